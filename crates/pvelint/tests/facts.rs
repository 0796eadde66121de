//! `pvelint facts --root DIR` end to end, on fake roots: `testdata/facts/<node>/` (the
//! node's own files: hostname, mountinfo, kstat, sysfs, dpkg status, vzdump.conf) with
//! the incident's `/etc/pve` as `etc/pve`, copied into a scratch directory.

use pvelint_parse::facts::{self, Facts, PathState};
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// A scratch root for `node`: its own files plus the incident's /etc/pve.
fn fake_root(node: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&workspace().join("testdata/facts").join(node), dir.path());
    copy_dir(&workspace().join("testdata/incident/pve"), &dir.path().join("etc/pve"));
    dir
}

fn run(root: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(["facts", "--root"])
        .arg(root)
        .args(extra)
        .env("PVELINT_TEST_SECRET", "env-secret-4711")
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn facts_of(root: &Path) -> Facts {
    let (code, out, err) = run(root, &[]);
    assert_eq!(code, 0, "{err}");
    facts::read(&out).unwrap_or_else(|e| panic!("{e}\n{out}"))
}

#[test]
fn still_fawn_has_the_pool_and_its_devices() {
    let root = fake_root("still-fawn");
    let f = facts_of(root.path());
    assert_eq!(f.node, "still-fawn");
    assert_eq!(f.pve_version.as_deref(), Some("8.2.4"));
    assert_eq!(f.cpus, Some(8));
    assert_eq!(f.memory_bytes, Some(32768000 * 1024));
    assert!(f.has_pool("local-3TB-backup"));
    assert_eq!(f.zfs_pools[0].state.as_deref(), Some("ONLINE"));
    assert_eq!(f.zfs_pools.len(), 1, "arcstats is not a pool");
    let mount = f.mount_of("/local-3TB-backup/backup-tmpdir").unwrap();
    assert_eq!((mount.mount_point.as_str(), mount.fstype.as_str()), ("/local-3TB-backup", "zfs"));
    assert!(f.mounts.iter().all(|m| !["proc", "sysfs", "tmpfs"].contains(&m.fstype.as_str())));
    assert_eq!(f.bridges, ["vmbr0"]);
    assert_eq!(f.lvm.iter().map(|l| l.lv.as_deref().unwrap_or("")).collect::<Vec<_>>(), ["data-tpool", "root"]);
    assert_eq!(f.pci_devices[0].vendor.as_deref(), Some("8086"));
    assert!(f.usb_devices.iter().any(|u| u.port == "2-1" && u.vendor == "0bc2" && u.product == "ab44"));
    assert!(f.usb_devices.iter().all(|u| u.port != "1-0:1.0"), "interfaces have no idVendor");
    assert!(f.stuck_processes.is_empty());
    // local-3TB-backup is restricted to fun-bedbug: still-fawn depends on /var/lib/vz only.
    let paths: Vec<&str> = f.paths.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["/var/lib/vz"]);
    assert_eq!(f.paths[0].state, PathState::Present);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
}

#[test]
fn fun_bedbug_depends_on_the_pool_it_no_longer_has() {
    let root = fake_root("fun-bedbug");
    let f = facts_of(root.path());
    assert_eq!(f.node, "fun-bedbug");
    assert!(f.zfs_pools.is_empty());
    let pool = f.path("/local-3TB-backup").unwrap();
    assert_eq!(pool.state, PathState::Missing);
    assert_eq!(pool.used_by[0].object, "storage:local-3TB-backup");
    assert_eq!(pool.used_by[0].key, "mountpoint");
    let tmp = f.path("/local-3TB-backup/backup-tmpdir").unwrap();
    assert_eq!((tmp.used_by[0].object.as_str(), tmp.used_by[0].key.as_str()), ("vzdump.conf", "tmpdir"));
    assert_eq!(tmp.mount_point.as_deref(), Some("/"), "on the root file system, not the pool");
    // The backup and its zfs child are stuck; the unrelated sshd in D state is not recorded.
    let stuck: Vec<&str> = f.stuck_processes.iter().map(|p| p.command.as_str()).collect();
    assert_eq!(stuck, ["task UPID:fun-b", "zfs"]);
    assert_eq!(f.stuck_processes[1].cmdline, "zfs snapshot local-3TB-backup/subvol-113-disk-0@vzdump");
}

#[test]
fn a_hung_path_is_recorded_and_the_collector_goes_on() {
    let root = fake_root("fun-bedbug");
    // A FIFO without a writer blocks `open` the way a dead mount blocks every access.
    let fifo = root.path().join("local-3TB-backup/backup-tmpdir");
    std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let start = std::time::Instant::now();
    let (code, out, err) = run(root.path(), &["--probe-timeout-ms", "300"]);
    assert_eq!(code, 0, "{err}");
    // One timeout for the hung path, not a hang (generous bound for a loaded machine).
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
    let f = facts::read(&out).unwrap();
    assert_eq!(f.path("/local-3TB-backup/backup-tmpdir").unwrap().state, PathState::Hung);
    // The paths after it were still probed, by a new probe process.
    assert_eq!(f.path("/var/lib/vz").unwrap().state, PathState::Present);
    assert_eq!(f.path("/local-3TB-backup").unwrap().state, PathState::Present);
}

#[test]
fn an_empty_root_is_an_error_that_says_why() {
    let root = tempfile::tempdir().unwrap();
    let (code, out, err) = run(root.path(), &[]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("cannot tell this node's name"), "{err}");
    // With a host name only: facts without config paths, and the reason.
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::write(root.path().join("etc/hostname"), "pve1.example.com\n").unwrap();
    let f = facts_of(root.path());
    assert_eq!(f.node, "pve1");
    assert!(f.paths.is_empty() && f.mounts.is_empty());
    assert!(f.problems.iter().any(|p| p.starts_with("etc/pve: no Proxmox configuration")), "{:?}", f.problems);
}

#[test]
fn garbage_in_every_source_gives_facts_not_a_crash() {
    let root = fake_root("still-fawn");
    let garbage: &[u8] = b"\xff\xfe(((\0\0 D ) - - -\n-\n\\999 \\0401 x\n";
    for rel in [
        "proc/self/mountinfo",
        "proc/meminfo",
        "proc/spl/kstat/zfs/local-3TB-backup/state",
        "sys/devices/system/cpu/online",
        "sys/block/dm-0/dm/name",
        "sys/bus/pci/devices/0000:00:02.0/vendor",
        "sys/bus/usb/devices/2-1/idVendor",
        "var/lib/dpkg/status",
        "proc/1/stat",
        "etc/pve/storage.cfg",
        "etc/vzdump.conf",
    ] {
        std::fs::write(root.path().join(rel), garbage).unwrap();
    }
    let f = facts_of(root.path());
    assert_eq!(f.node, "still-fawn");
    assert_eq!(f.cpus, None);
    assert_eq!(f.memory_bytes, None);
    assert_eq!(f.pve_version, None);
}

#[test]
fn secrets_never_reach_the_facts() {
    let root = fake_root("fun-bedbug");
    let pve = root.path().join("etc/pve");
    std::fs::create_dir_all(pve.join("priv")).unwrap();
    std::fs::write(pve.join("priv/authkey.key"), "-----BEGIN PRIVATE KEY-----\npriv-secret-1234\n").unwrap();
    std::fs::write(pve.join("priv/storage.cfg"), "dir: priv-storage-secret\n\tpath /priv-secret-path\n").unwrap();
    // A backup whose command line carries a password, and an unrelated process's secret.
    std::fs::write(root.path().join("proc/4300/cmdline"), b"proxmox-backup-client\0--password\0cmd-secret-99\0")
        .unwrap();
    std::fs::write(root.path().join("proc/4400/cmdline"), b"mysql\0-psshd-secret-77\0").unwrap();
    let (code, out, err) = run(root.path(), &[]);
    assert_eq!(code, 0, "{err}");
    for secret in ["priv-secret", "priv-storage-secret", "cmd-secret-99", "sshd-secret-77", "env-secret-4711"] {
        assert!(!out.contains(secret) && !err.contains(secret), "{secret} leaked:\n{out}");
    }
    assert!(out.contains("--password ***"), "{out}");
}

#[test]
fn two_runs_give_the_same_bytes_and_output_is_atomic() {
    let root = fake_root("still-fawn");
    let (_, a, _) = run(root.path(), &[]);
    let (_, b, _) = run(root.path(), &[]);
    assert_eq!(a, b);
    let dest = root.path().join("facts.json");
    let (code, out, err) = run(root.path(), &["-o", dest.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty());
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), a);
    let leftovers: Vec<_> = std::fs::read_dir(root.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn the_schema_describes_the_facts() {
    let out = Command::new(env!("CARGO_BIN_EXE_pvelint")).args(["facts", "--schema"]).output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["title"], "pvelint node facts (facts.json)");
    for field in ["version", "node", "mounts", "zfs_pools", "paths", "stuck_processes"] {
        assert!(schema["properties"].get(field).is_some(), "{field}");
    }
}

fn collect(root: &Path, dest: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(["collect"])
        .arg(dest)
        .arg("--root")
        .arg(root)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stderr).unwrap())
}

/// Every file below `dir` with its bytes (links as `-> target`), sorted.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name().into_iter().flatten() {
        let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        if e.file_type().is_symlink() {
            out.push((rel, format!("-> {}", std::fs::read_link(e.path()).unwrap().display()).into_bytes()));
        } else if e.file_type().is_file() {
            out.push((rel, std::fs::read(e.path()).unwrap()));
        }
    }
    out
}

#[test]
fn collect_writes_the_repository_layout_without_secrets_or_state() {
    let root = fake_root("fun-bedbug");
    let pve = root.path().join("etc/pve");
    std::os::unix::fs::symlink("nodes/fun-bedbug", pve.join("local")).unwrap();
    std::fs::create_dir_all(pve.join("priv")).unwrap();
    std::fs::write(pve.join("priv/authkey.key"), "priv-secret-1234").unwrap();
    std::fs::write(pve.join("pve-www.key"), "www-secret-5678").unwrap();
    std::fs::write(pve.join("nodes/fun-bedbug/pve-ssl.key"), "ssl-secret-9012").unwrap();
    std::fs::write(pve.join("nodes/fun-bedbug/custom.pem"), "-----BEGIN RSA PRIVATE KEY-----\ncontent-secret\n")
        .unwrap();
    std::fs::write(pve.join("nodes/fun-bedbug/pve-ssl.pem"), "-----BEGIN CERTIFICATE-----\npublic\n").unwrap();
    std::fs::write(pve.join(".version"), "42").unwrap();
    std::fs::create_dir_all(pve.join("ha")).unwrap();
    std::fs::write(pve.join("ha/manager_status"), "{}").unwrap();
    std::fs::write(pve.join("nodes/fun-bedbug/lrm_status"), "{}").unwrap();
    std::os::unix::fs::symlink("/etc/shadow", pve.join("datacenter.cfg.link")).unwrap();

    let dest = tempfile::tempdir().unwrap();
    let repo = dest.path().join("repo");
    let (code, err) = collect(root.path(), &repo);
    assert_eq!(code, 0, "{err}");
    let files = snapshot(&repo);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "pve/storage.cfg",
        "pve/jobs.cfg",
        "pve/nodes/fun-bedbug/lxc/106.conf",
        "pve/nodes/fun-bedbug/pve-ssl.pem",
        "pve/local",
        "hosts/fun-bedbug/vzdump.conf",
        "hosts/fun-bedbug/facts.json",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    for bad in ["priv", ".version", "manager_status", "lrm_status", ".key", "custom.pem", "datacenter.cfg.link"] {
        assert!(names.iter().all(|n| !n.contains(bad)), "{bad} was copied: {names:?}");
    }
    let all: Vec<u8> = files.iter().flat_map(|(_, b)| b.clone()).collect();
    let all = String::from_utf8_lossy(&all);
    for secret in ["priv-secret", "www-secret", "ssl-secret", "content-secret"] {
        assert!(!all.contains(secret), "{secret} reached DEST");
    }
    assert_eq!(std::fs::read_link(repo.join("pve/local")).unwrap(), Path::new("nodes/fun-bedbug"));
    assert_eq!(
        std::fs::read(repo.join("pve/storage.cfg")).unwrap(),
        std::fs::read(pve.join("storage.cfg")).unwrap(),
        "byte for byte"
    );
    assert!(err.contains("skipped nodes/fun-bedbug/custom.pem: it holds a private key"), "{err}");

    // A second run changes nothing; a file removed from /etc/pve leaves the copy.
    let (code, err) = collect(root.path(), &repo);
    assert_eq!(code, 0);
    assert!(err.starts_with("pvelint collect: 0 written, 0 removed"), "{err}");
    assert_eq!(snapshot(&repo), files);
    std::fs::remove_file(pve.join("jobs.cfg")).unwrap();
    let (_, err) = collect(root.path(), &repo);
    assert!(err.contains("1 removed"), "{err}");
    assert!(!repo.join("pve/jobs.cfg").exists());
    // Nothing but the layout is left behind (no temporary files).
    assert!(snapshot(&repo).iter().all(|(n, _)| n.starts_with("pve/") || n.starts_with("hosts/fun-bedbug/")));
}

#[test]
fn collect_never_writes_inside_etc_pve() {
    let root = fake_root("still-fawn");
    let before = snapshot(&root.path().join("etc/pve"));
    let (code, err) = collect(root.path(), &root.path().join("etc/pve/repo"));
    assert_eq!(code, 2);
    assert!(err.contains("inside /etc/pve"), "{err}");
    let (code, err) = collect(root.path(), &root.path().join("x/../etc/pve"));
    assert_eq!(code, 2, "{err}");
    assert_eq!(snapshot(&root.path().join("etc/pve")), before);
}

/// The whole loop of docs/facts.md on the incident: `pvelint collect` on both nodes into
/// one repository, then `pvelint check` on it, with no flag: the move is named.
#[test]
fn incident_with_facts_names_the_move_without_what_if() {
    let dest = tempfile::tempdir().unwrap();
    let repo = dest.path().join("repo");
    for node in ["fun-bedbug", "still-fawn"] {
        let root = fake_root(node);
        let (code, err) = collect(root.path(), &repo);
        assert_eq!(code, 0, "{err}");
    }
    assert!(repo.join("hosts/fun-bedbug/facts.json").is_file() && repo.join("hosts/still-fawn/facts.json").is_file());
    let out = Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(["check", "--format", "concise", "--select", "N"])
        .arg(&repo)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    // The move, at the `nodes` line of storage.cfg, naming the node that has the pool.
    let n102: Vec<&str> = text.lines().filter(|l| l.contains(" N102 ")).collect();
    assert_eq!(n102.len(), 1, "{text}");
    assert!(n102[0].starts_with("pve/storage.cfg:14:"), "{text}");
    assert!(n102[0].contains("on node 'still-fawn'") && n102[0].contains("not on 'fun-bedbug'"), "{text}");
    // fun-bedbug's tmpdir no longer exists there; its backups are stuck.
    assert!(text.lines().any(|l| l.starts_with("hosts/fun-bedbug/vzdump.conf:") && l.contains(" N103 ")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("hosts/fun-bedbug/facts.json:") && l.contains(" N107 ")), "{text}");
    // Not also reported as "absent" on fun-bedbug: the move is one finding.
    assert!(!text.contains(" N101 "), "{text}");
    insta::assert_snapshot!("incident_with_facts", text);
    // The fix of the move: only with node facts, `nodes` follows the pool (issue 16).
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_pvelint")).args(args).arg(&repo).output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (_, cmds) = run(&["check", "--format", "commands", "--unsafe-fixes", "--select", "N,J108"]);
    assert!(cmds.contains("\npvesm set local-3TB-backup --nodes still-fawn\n"), "{cmds}");
    insta::assert_snapshot!("incident_with_facts_commands", cmds);
    let (code, _) = run(&["check", "--fix", "--unsafe-fixes", "--select", "N102"]);
    assert_eq!(code, Some(0));
    let storage = std::fs::read_to_string(repo.join("pve/storage.cfg")).unwrap();
    assert!(storage.contains("\tnodes still-fawn\n"), "{storage}");
}

#[test]
fn facts_attached_by_flag_or_folder_are_checked_and_coverage_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let facts = dir.path().join("fb.json");
    std::fs::write(&facts, r#"{"version": 1, "node": "fun-bedbug", "zfs_pools": []}"#).unwrap();
    let incident = workspace().join("testdata/incident");
    let out = Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(["check", "--format", "concise", "--select", "N101", "--facts"])
        .arg(&facts)
        .arg(&incident)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("error N101 storage 'local-3TB-backup' is enabled on node 'fun-bedbug'"), "{text}");
    // The summary says which nodes the facts cover (JSON: `summary.facts`).
    assert!(
        text.contains("; facts of fun-bedbug; none for still-fawn (the N rules say nothing about them)\n"),
        "{text}"
    );
    // Facts in the folder of another node: P016, and the node counts as without facts.
    let repo = dir.path().join("repo");
    copy_dir(&incident.join("pve"), &repo.join("pve"));
    std::fs::create_dir_all(repo.join("hosts/still-fawn")).unwrap();
    std::fs::copy(&facts, repo.join("hosts/still-fawn/facts.json")).unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_pvelint")).args(["check", "--format", "concise"]).arg(&repo).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("hosts/still-fawn/facts.json:1:24: error P016 these are the facts of node 'fun-bedbug', but they sit in the folder of node 'still-fawn'"),
        "{text}"
    );
    assert!(!text.contains(" N10"), "{text}");
}

/// What-if reads the facts too: moving the storage to the node that has the pool resolves
/// the move; moving it to a node without the pool would bring N102 back (the rule
/// harness case `N102/fail_whatif_move_to_node_without_pool`).
#[test]
fn what_if_on_the_collected_incident_resolves_the_move() {
    let dest = tempfile::tempdir().unwrap();
    let repo = dest.path().join("repo");
    for node in ["fun-bedbug", "still-fawn"] {
        let root = fake_root(node);
        assert_eq!(collect(root.path(), &repo).0, 0);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(["what-if", "--format", "concise", "--move-storage", "local-3TB-backup=still-fawn"])
        .arg(&repo)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let resolved = text.split("resolved:").nth(1).unwrap_or_default();
    assert!(resolved.lines().any(|l| l.contains(" N102 ")), "{text}");
    let introduced = text.split("resolved:").next().unwrap_or_default();
    assert!(!introduced.contains(" N10"), "{text}");
}

#[test]
fn facts_schema_document_is_current() {
    let path = workspace().join("docs/facts.schema.json");
    let schema = pvelint::facts::json_schema();
    if std::env::var_os("UPDATE_DOCS").is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(&path, &schema).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap_or_default(),
        schema,
        "docs/facts.schema.json is stale: run `UPDATE_DOCS=1 cargo test -p pvelint --test facts facts_schema`"
    );
}

/// Runs pvelint with a deadline: a run that outlives it is killed and fails the test.
fn run_with_deadline(args: &[&std::ffi::OsStr]) -> std::process::ExitStatus {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("pvelint {args:?} blocked: it opened something it must not");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn priv_is_never_read_by_facts_or_collect() {
    // FIFOs under priv/: opening one for reading would block until a writer comes, so a
    // run that finishes never opened them.
    let root = fake_root("still-fawn");
    let pve = root.path().join("etc/pve");
    std::fs::create_dir_all(pve.join("priv/lock")).unwrap();
    for name in ["priv/authkey.key", "priv/storage.cfg", "priv/lock/storage"] {
        let c = std::ffi::CString::new(pve.join(name).to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "{name}");
    }
    let r = root.path().as_os_str();
    assert!(run_with_deadline(&["facts".as_ref(), "--root".as_ref(), r]).success());
    let dest = tempfile::tempdir().unwrap();
    let repo = dest.path().join("repo");
    assert!(run_with_deadline(&["collect".as_ref(), repo.as_os_str(), "--root".as_ref(), r]).success());
    assert!(!repo.join("pve/priv").exists());
}

#[test]
fn facts_listed_in_pvelint_yaml_are_read_and_stay_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    copy_dir(&workspace().join("testdata/incident/pve"), &tree);
    std::fs::create_dir_all(tree.join("facts")).unwrap();
    std::fs::write(tree.join("facts/fb.json"), r#"{"version": 1, "node": "fun-bedbug", "zfs_pools": []}"#).unwrap();
    std::fs::write(tree.join("pvelint.yaml"), "facts:\n  - facts/fb.json\n").unwrap();
    let check = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_pvelint"))
            .args(["check", "--format", "concise", "--select", "N101"])
            .args(args)
            .arg(&tree)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (code, text, err) = check(&[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(text.contains("N101 storage 'local-3TB-backup' is enabled on node 'fun-bedbug'"), "{text}");
    // A committed config may not reach outside its directory, nor through a link.
    std::fs::write(tree.join("pvelint.yaml"), "facts:\n  - ../outside.json\n").unwrap();
    let (code, _, err) = check(&[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("facts: ") && err.contains("'../outside.json'"), "{err}");
    std::os::unix::fs::symlink(dir.path(), tree.join("up")).unwrap();
    std::fs::write(tree.join("pvelint.yaml"), "facts:\n  - up/tree/facts/fb.json\n").unwrap();
    let (code, _, err) = check(&[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
}
