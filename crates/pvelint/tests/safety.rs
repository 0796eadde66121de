//! Safety by construction, end to end: pvelint never writes the tree, never shows a
//! secret (nothing under `priv/`, no value of a sensitive key) in any output format, and
//! its output does not depend on the order in which the files were created.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::fs;
use std::hash::{Hash, Hasher};
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn pvelint(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .stdin(Stdio::null())
        .output()
        .expect("run pvelint")
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

const CANARY: &str = "CANARY-7f3a";

/// A tree with every kind of secret pvelint may meet, each holding the canary, plus
/// findings so that every output format has something to say about the files that
/// hold the secrets.
fn secret_tree(root: &Path) {
    for (rel, text) in [
        ("priv/authkey.key", "-----BEGIN RSA PRIVATE KEY-----\nCANARY-7f3a\n"),
        ("priv/pve-root-ca.key", "CANARY-7f3a\n"),
        ("priv/storage/pbs1.pw", "CANARY-7f3a\n"),
        ("priv/storage/pbs1.enc", "{\"key\":\"CANARY-7f3a\"}\n"),
        ("priv/ceph/rbd1.keyring", "[client.admin]\n\tkey = CANARY-7f3a\n"),
        ("priv/token.cfg", "root@pam!ci CANARY-7f3a\n"),
        ("priv/shadow.cfg", "root:CANARY-7f3a:\n"),
        ("priv/tfa.cfg", "CANARY-7f3a\n"),
        ("priv/storage.cfg", "dir: CANARY-7f3a\n\tpath /CANARY-7f3a\n\tbogus CANARY-7f3a\n"),
        ("nodes/a/priv/x.conf", "CANARY-7f3a\n"),
    ] {
        write(root, rel, text);
    }
    // Sensitive keys where Proxmox reads them, where it does not (a dir storage takes no
    // password: an unknown-key finding on that very line), duplicated (a duplicate-key
    // finding), and on lines that do not parse.
    write(
        root,
        "storage.cfg",
        "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\n\
         pbs: pbs1\n\tserver 10.0.0.9\n\tdatastore main\n\tusername backup@pbs\n\tpassword CANARY-7f3a\n\
         \tpassword CANARY-7f3a-again\n\tencryption-key CANARY-7f3a\n\tmaster-pubkey CANARY-7f3a\n\
         \tcontent backup\n\tfingerprint nope\n\n\
         rbd: rbd1\n\tpool rbd\n\tkeyring CANARY-7f3a\n\tcontent images\n\n\
         dir: bk\n\tpath /mnt/bk\n\tpassword CANARY-7f3a\n\tkeyring CANARY-7f3a\n\tencryption-key CANARY-7f3a\n\
         password CANARY-7f3a\n\tcontent backupz\n\n\
         cifs: smb\n\tserver s\n\tshare x\n\tusername u\n\tpassword: CANARY-7f3a\n\tcontent images\n",
    );
    write(
        root,
        "user.cfg",
        "user:root@pam:1:0:::root@example.com:::\n\
         token:root@pam!ci:0:1:CANARY-7f3a:\n\
         token:root@pam!bad:x:y:CANARY-7f3a\n\
         pool:p1:a pool:vm/100:\n",
    );
    write(root, "nodes/a/lxc/100.conf", "hostname: a\nrootfs: local:100/vm-100-disk-0.raw\nbogus-key: not-a-secret\n");
    write(root, "jobs.cfg", "vzdump: j1\n\tschedule 02:00\n\tall 1\n\tstorage pbs1\n\tpassword CANARY-7f3a\n");
}

fn assert_no_canary(out: &Output, what: &str) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        if let Some(at) = text.find(CANARY) {
            let line = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            panic!("{what}: a secret appears on {stream}: {}", &text[line..end]);
        }
    }
}

#[test]
fn secrets_never_appear_in_any_output_format() {
    let d = tempfile::tempdir().unwrap();
    secret_tree(d.path());
    let root = d.path().to_str().unwrap();
    let mut seen_findings = false;
    for format in ["full", "concise", "json", "sarif", "github", "gitlab", "commands", "markdown", "html"] {
        for extra in [&[][..], &["--color", "always"][..], &["--select", "P"][..], &["--unsafe-fixes"][..]] {
            let mut args = vec!["check", root, "--format", format];
            args.extend_from_slice(extra);
            let out = pvelint(&args, d.path());
            assert_no_canary(&out, &format!("check --format {format} {extra:?}"));
            assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
            seen_findings |= out.status.code() == Some(1);
        }
    }
    for args in [
        vec!["what-if", root, "--remove-storage", "pbs1", "--format", "full"],
        vec!["what-if", root, "--move-guest", "100=b", "--format", "json"],
        vec!["check", "storage.cfg", "user.cfg", "--format", "full"],
        vec!["check", root, "--statistics", "--format", "concise"],
        vec!["check", root, "--diff", "--unsafe-fixes"],
        vec!["what-if", root, "--remove-storage", "pbs1", "--format", "markdown"],
        vec!["what-if", root, "--remove-storage", "pbs1", "--format", "html"],
        vec!["graph", root, "--format", "dot"],
        vec!["graph", root, "--format", "mermaid"],
        vec!["graph", root, "--format", "json"],
        vec!["graph", root, "--format", "svg"],
        vec!["graph", root, "--format", "html"],
        vec!["graph", root, "--format", "html", "--move-guest", "100=b"],
        vec!["graph", root, "--format", "json", "--focus", "storage:pbs1"],
    ] {
        let out = pvelint(&args, d.path());
        assert_no_canary(&out, &format!("{args:?}"));
        if args[0] == "graph" {
            assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    // The sensitive lines are really reported (so the absence of the canary means
    // something): the dir storage's password line is a finding about storage.cfg.
    assert!(seen_findings);
    let out = pvelint(&["check", root, "--format", "json"], d.path());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let on_storage = v["diagnostics"].as_array().unwrap().iter().filter(|d| d["path"] == "storage.cfg").count();
    assert!(on_storage >= 3, "{}", String::from_utf8_lossy(&out.stdout));
    // Nothing under priv/ is counted, reported or named.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("priv/"), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn short_secrets_are_masked_too() {
    // A 3-byte password, set twice: the duplicate-key finding quotes the value it keeps.
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "storage.cfg",
        "cifs: smb\n\tserver 10.0.0.1\n\tshare data\n\tusername bob\n\tpassword Q7z\n\tpassword Z9q\n\tcontent backup\n",
    );
    let root = d.path().to_str().unwrap();
    for format in ["full", "concise", "json", "sarif", "github", "gitlab"] {
        let out = pvelint(&["check", root, "--format", format], d.path());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("is set twice"), "{format}: {text}");
        assert!(!text.contains("Q7z") && !text.contains("Z9q"), "{format}: {text}");
    }
}

/// Path → (type, mode, size, mtime, content or link target hash), never following
/// links and never opening anything but regular files.
fn snapshot(root: &Path) -> BTreeMap<String, (u32, u64, i64, i64, u64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let m = fs::symlink_metadata(&p).unwrap();
            let mut h = std::collections::hash_map::DefaultHasher::new();
            if m.file_type().is_file() {
                fs::read(&p).unwrap().hash(&mut h);
            } else if m.file_type().is_symlink() {
                fs::read_link(&p).unwrap().hash(&mut h);
            } else if m.is_dir() {
                stack.push(p.clone());
            }
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            out.insert(rel, (m.mode(), m.size(), m.mtime(), m.mtime_nsec(), h.finish()));
        }
    }
    out
}

#[test]
fn the_tree_is_never_written() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    secret_tree(root);
    write(root, "corosync.conf", "nodelist {\n  node {\n    name: a\n    nodeid: 1\n  }\n}\n");
    write(root, "datacenter.cfg", "keyboard: en-us\n");
    write(root, "nodes/a/qemu-server/101.conf", "memory: 512\nscsi0: local:101/vm-101-disk-0.qcow2\n");
    symlink("nodes/a", root.join("local")).unwrap();
    symlink("nodes/a/lxc", root.join("lxc")).unwrap();
    assert!(Command::new("mkfifo").arg(root.join("nodes/a/lxc/102.conf")).status().unwrap().success());
    let vz = tempfile::tempdir().unwrap();
    write(vz.path(), "vzdump.conf", "tmpdir: /var/tmp\n");
    let vz_file = vz.path().join("vzdump.conf");
    let before = snapshot(root);
    let before_vz = snapshot(vz.path());
    let r = root.to_str().unwrap();
    let attach = format!("a={}", vz_file.display());
    let runs: Vec<Vec<&str>> = vec![
        vec!["check", r],
        vec!["check", r, "--format", "json"],
        vec!["check", r, "--format", "concise", "--select", "P,G"],
        vec!["check", r, "--format", "full", "--color", "always", "--ignore", "P015"],
        vec!["check", r, "--vzdump-conf", &attach],
        vec!["check"],
        vec!["check", "storage.cfg", "nodes/a/lxc/100.conf", "--format", "sarif"],
        vec!["check", r, "--format", "github", "--statistics"],
        vec!["check", r, "--format", "gitlab"],
        vec!["check", r, "--diff", "--unsafe-fixes"],
        vec!["check", r, "--format", "commands", "--unsafe-fixes"],
        vec!["check", r, "--fix", "--vzdump-conf", &attach],
        vec!["what-if", r, "--move-guest", "100=b", "--format", "json"],
        vec!["what-if", r, "--remove-node", "a"],
        vec!["what-if", r, "--remove-storage", "pbs1", "--disable-storage", "local", "--format", "concise"],
        vec!["what-if", r, "--move-storage", "local=b"],
        vec!["config", r],
        vec!["completions", "bash"],
        vec!["man"],
        vec!["rule", "--all"],
        vec!["rule", "P001"],
        vec!["rule", "Z999"],
        vec!["check", r, "--select", "Z999"],
        vec!["--help"],
    ];
    for args in &runs {
        let out = pvelint(args, root);
        assert!(out.status.code().is_some(), "{args:?} was killed");
        assert_eq!(snapshot(root), before, "pvelint {args:?} changed the tree");
    }
    assert_eq!(snapshot(vz.path()), before_vz, "an attached vzdump.conf was changed");
}

/// Builds the same tree with its files and directories created in the given order.
fn build(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        write(root, rel, text);
    }
}

#[test]
fn output_does_not_depend_on_creation_order() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/incident/pve");
    let mut files: Vec<(String, String)> = Vec::new();
    let mut stack = vec![workspace.clone()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&workspace).unwrap().to_string_lossy().into_owned();
                files.push((rel, fs::read_to_string(&p).unwrap()));
            }
        }
    }
    // Extra guests and storages so that directory order has room to matter.
    for i in 0..40 {
        let vmid = 300 + (i * 7919) % 97;
        files.push((
            format!("nodes/still-fawn/lxc/{vmid}.conf"),
            format!("hostname: x{vmid}\nrootfs: nope:{vmid}/vm-{vmid}-disk-0.raw\nbogus: 1\n"),
        ));
    }
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    let as_refs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
    let forward = as_refs(&files);
    let mut backward = forward.clone();
    backward.reverse();
    let mut shuffled = forward.clone();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in (1..shuffled.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        shuffled.swap(i, (x % (i as u64 + 1)) as usize);
    }
    let mut outputs: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut dirs = Vec::new();
    for order in [&forward, &backward, &shuffled] {
        let d = tempfile::tempdir().unwrap();
        let refs: Vec<(&str, &str)> = order.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        build(d.path(), &refs);
        let mut per_format = Vec::new();
        for format in ["full", "concise", "json"] {
            // Run from inside the tree so that no temporary path appears in the output.
            let out = pvelint(&["check", ".", "--format", format], d.path());
            assert!(out.status.code() == Some(1), "{}", String::from_utf8_lossy(&out.stderr));
            per_format.push(out.stdout);
        }
        outputs.push(per_format);
        dirs.push(d);
    }
    assert!(!outputs[0][1].is_empty());
    for (i, o) in outputs.iter().enumerate().skip(1) {
        for f in 0..3 {
            assert!(
                o[f] == outputs[0][f],
                "order {i}, format {f} differs:\n{}\n---\n{}",
                String::from_utf8_lossy(&o[f]),
                String::from_utf8_lossy(&outputs[0][f])
            );
        }
    }
    // And a second run over the same tree is byte-identical.
    let again = pvelint(&["check", ".", "--format", "json"], dirs[0].path());
    assert_eq!(again.stdout, outputs[0][2]);
}

/// In a git work tree, key material under priv/ is reported by name (C103), and nothing
/// there is opened: a FIFO among the keys would block any open for reading forever.
#[test]
fn priv_is_never_opened_and_key_material_is_named_in_git_trees() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    fs::create_dir_all(root.join(".git")).unwrap();
    secret_tree(root);
    assert!(Command::new("mkfifo").arg(root.join("priv/trap.key")).status().unwrap().success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(["check", ".", "--format", "json"])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            panic!("pvelint blocked: it opened a FIFO under priv/");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_no_canary(&out, "check in a git work tree");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c103: Vec<&serde_json::Value> =
        v["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "C103").collect();
    assert_eq!(c103.len(), 1, "{}", String::from_utf8_lossy(&out.stdout));
    let msg = c103[0]["message"].as_str().unwrap();
    // The message names the first files (issue 12: at most five, then "and N more").
    for name in ["priv/authkey.key", "priv/ceph/rbd1.keyring", "priv/storage/pbs1.enc"] {
        assert!(msg.contains(name), "{msg}");
    }
    assert!(msg.starts_with("8 files under priv/") && msg.contains("and 3 more"), "{msg}");
    // The FIFO is not a file: not listed, and above all not opened.
    assert!(!msg.contains("trap.key"), "{msg}");
}

/// A file outside any tree that stands for `/etc/shadow`: what a hostile committed
/// configuration would like pvelint to print.
fn host_secret(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("shadow");
    fs::write(&p, format!("root:$6${CANARY}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n")).unwrap();
    p
}

fn all_output(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A committed pvelint.yaml that is a link to a host file is not read: exit 2, and
/// nothing of the target is printed.
#[test]
fn a_committed_config_link_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let secret = host_secret(dir.path());
    let repo = dir.path().join("repo");
    write(&repo, "storage.cfg", "dir: local\n\tpath /var/lib/vz\n\tcontent iso\n");
    symlink(&secret, repo.join("pvelint.yaml")).unwrap();
    for args in [&["check", "."][..], &["check", ".", "--format", "json"], &["config", "."]] {
        let o = pvelint(args, &repo);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", all_output(&o));
        let text = all_output(&o);
        assert!(!text.contains(CANARY) && !text.contains("root:"), "{args:?}: {text}");
        assert!(text.contains("symbolic link"), "{text}");
    }
    // The same file named with --config is the caller's choice: read through the link,
    // and its YAML error shows the offending line only.
    let o = pvelint(&["check", ".", "--config", "pvelint.yaml"], &repo);
    assert_eq!(o.status.code(), Some(2));
    let text = all_output(&o);
    assert!(text.contains("line 1") || text.contains(":1:"), "{text}");
    assert!(!text.contains("daemon"), "a line other than the offending one is shown: {text}");
}

/// Paths in a committed pvelint.yaml stay in its directory: an absolute path, `..` or
/// a link on the way exits 2 naming the key; a link as the file itself is not followed.
#[test]
fn a_committed_config_cannot_name_host_files() {
    let dir = tempfile::tempdir().unwrap();
    let secret = host_secret(dir.path());
    let repo = dir.path().join("repo");
    write(&repo, "storage.cfg", "dir: local\n\tpath /var/lib/vz\n\tcontent iso\n");
    fs::create_dir_all(repo.join("vz")).unwrap();
    symlink(dir.path(), repo.join("vz/up")).unwrap();
    symlink(&secret, repo.join("vz/node1.conf")).unwrap();
    let cases = [
        (secret.display().to_string(), "absolute"),
        ("../shadow".to_string(), "'..'"),
        ("vz/up/shadow".to_string(), "symbolic link"),
        ("vz/node1.conf".to_string(), "symbolic link"),
    ];
    for (path, why) in cases {
        write(&repo, "pvelint.yaml", &format!("vzdump-conf:\n  node1: {path}\n"));
        let o = pvelint(&["check", ".", "--format", "full"], &repo);
        let text = all_output(&o);
        assert_eq!(o.status.code(), Some(2), "{path}: {text}");
        assert!(text.contains("vzdump-conf.node1") || text.contains("node1"), "{path}: {text}");
        assert!(text.contains(why), "{path}: {text}");
        assert!(!text.contains(CANARY), "{path}: {text}");
    }
}

/// A file attached with --vzdump-conf is the caller's choice, but outputs quote no more
/// of it than the spans of its findings: no other line, no other part of the line.
#[test]
fn attached_files_are_quoted_no_further_than_their_spans() {
    let dir = tempfile::tempdir().unwrap();
    let secret = host_secret(dir.path());
    let repo = dir.path().join("repo");
    write(&repo, "storage.cfg", "dir: local\n\tpath /var/lib/vz\n\tcontent iso\n");
    let spec = format!("node1={}", secret.display());
    for format in ["full", "concise", "json", "sarif", "github", "gitlab"] {
        let o = pvelint(&["check", ".", "--vzdump-conf", &spec, "--format", format, "--isolated"], &repo);
        let text = all_output(&o);
        assert!(!text.contains(CANARY), "{format}: {text}");
        assert!(!text.contains("daemon:*"), "{format}: {text}");
    }
}

/// Files named on the command line may be links, but must be regular files within the
/// size limit: a FIFO or a directory given as --baseline, --config or --vzdump-conf
/// exits 2 without blocking.
#[test]
fn named_files_must_be_regular_and_small() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    write(&repo, "storage.cfg", "dir: local\n\tpath /var/lib/vz\n\tcontent iso\n");
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let big = dir.path().join("big.json");
    fs::write(&big, vec![b' '; pvelint_parse::tree::MAX_FILE_SIZE + 1]).unwrap();
    let fifo_s = fifo.display().to_string();
    let big_s = big.display().to_string();
    let dir_s = dir.path().display().to_string();
    let node_fifo = format!("node1={fifo_s}");
    for args in [
        vec!["check", ".", "--baseline", &fifo_s],
        vec!["check", ".", "--baseline", &big_s],
        vec!["check", ".", "--config", &fifo_s],
        vec!["check", ".", "--config", &dir_s],
        vec!["check", ".", "--vzdump-conf", &node_fifo],
    ] {
        let start = std::time::Instant::now();
        let o = pvelint(&args, &repo);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", all_output(&o));
        assert!(start.elapsed() < std::time::Duration::from_secs(20), "{args:?} blocked");
    }
    // A link to a regular baseline is fine.
    let base = dir.path().join("base.json");
    assert_eq!(pvelint(&["check", ".", "--write-baseline", &base.display().to_string()], &repo).status.code(), Some(0));
    symlink(&base, dir.path().join("link.json")).unwrap();
    let o = pvelint(&["check", ".", "--baseline", &dir.path().join("link.json").display().to_string()], &repo);
    assert_ne!(o.status.code(), Some(2), "{}", all_output(&o));
}
