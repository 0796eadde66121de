//! `check --diff`, `--fix`, `--unsafe-fixes` and `--format commands` through the binary:
//! on the incident and on scratch trees. (Every rule's fixes are checked case by case in
//! `tests/rules.rs`.)

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn pvelint(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run pvelint")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walk(dir) {
        out.push((e.strip_prefix(dir).unwrap().to_path_buf(), fs::read(&e).unwrap()));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let t = e.file_type().unwrap();
        if t.is_dir() {
            out.extend(walk(&e.path()));
        } else if t.is_file() {
            out.push(e.path());
        }
    }
    out
}

fn incident_copy() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    common::copy_tree(&workspace().join("testdata/incident"), d.path());
    d
}

#[test]
fn diff_changes_nothing_and_exits_1_when_there_is_a_diff() {
    let d = incident_copy();
    let before = files(d.path());
    let root = d.path().to_str().unwrap();
    // The incident's only fix is unsafe (J108): without --unsafe-fixes there is no diff.
    let out = pvelint(&["check", root, "--diff"], d.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let out = pvelint(&["check", root, "--diff", "--unsafe-fixes"], d.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    insta::assert_snapshot!("incident_diff_unsafe", diff);
    assert!(diff.contains("(unsafe fix)") && diff.contains("diff --git a/pve/jobs.cfg b/pve/jobs.cfg"), "{diff}");
    assert_eq!(files(d.path()), before, "--diff wrote a file");
    // Paths as in the other formats: --path-prefix applies.
    let out = pvelint(&["check", root, "--diff", "--unsafe-fixes", "--path-prefix", "infra"], d.path());
    assert!(text(&out.stdout).contains("--- a/infra/pve/jobs.cfg\n"), "{}", text(&out.stdout));
}

#[test]
fn fix_applies_only_safe_fixes_unless_asked_and_a_new_check_finds_none_of_them() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    // A copy of /etc: pve/ and vzdump.conf. A safe fix (V104) and an unsafe one (S105)
    // side by side; CR-LF in another file stays as it is.
    let pve = root.join("pve");
    fs::create_dir_all(pve.join("nodes/pve1")).unwrap();
    fs::write(pve.join("storage.cfg"), "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\tmaxfiles 3\n")
        .unwrap();
    fs::write(pve.join("datacenter.cfg"), "keyboard: en-us\r\n").unwrap();
    fs::write(pve.join("corosync.conf"), "nodelist {\n  node {\n    name: pve1\n    nodeid: 1\n  }\n}\n").unwrap();
    let outside = tempfile::tempdir().unwrap();
    let vz = outside.path().join("vzdump.conf");
    fs::write(&vz, "# defaults\nexclude: 100\nmode: snapshot\n").unwrap();
    let r = root.to_str().unwrap();
    let cfg = format!("pve1={}", vz.display());
    // An attached file (outside the tree) is never written.
    let out = pvelint(&["check", r, "--fix", "--vzdump-conf", &cfg, "--format", "concise"], root);
    assert_eq!(fs::read_to_string(&vz).unwrap(), "# defaults\nexclude: 100\nmode: snapshot\n", "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("V104"), "{}", text(&out.stdout));
    // The tree's own vzdump.conf is.
    fs::copy(&vz, root.join("vzdump.conf")).unwrap();
    let out = pvelint(&["check", r, "--fix", "--format", "concise"], root);
    let stdout = text(&out.stdout);
    assert!(
        text(&out.stderr).contains("applied 1 fix to 1 file; unsafe fixes need --unsafe-fixes"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(fs::read_to_string(root.join("vzdump.conf")).unwrap(), "# defaults\nmode: snapshot\n");
    assert!(!stdout.contains("V104") && stdout.contains("S105"), "{stdout}");
    assert!(fs::read_to_string(pve.join("storage.cfg")).unwrap().contains("maxfiles 3"));
    let out = pvelint(&["check", r, "--fix", "--unsafe-fixes", "--format", "concise"], root);
    assert!(!text(&out.stdout).contains("S105"), "{}", text(&out.stdout));
    assert_eq!(
        fs::read_to_string(pve.join("storage.cfg")).unwrap(),
        "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\tprune-backups keep-last=3\n"
    );
    assert_eq!(fs::read(pve.join("datacenter.cfg")).unwrap(), b"keyboard: en-us\r\n", "untouched file");
    // Idempotent: nothing left to fix.
    let out = pvelint(&["check", r, "--diff", "--unsafe-fixes"], root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn fix_refuses_a_live_looking_tree() {
    let d = incident_copy();
    let before = files(d.path());
    // pmxcfs status files exist only in the live /etc/pve.
    fs::write(d.path().join("pve/.vmlist"), "{}\n").unwrap();
    let r = d.path().to_str().unwrap();
    let out = pvelint(&["check", r, "--fix", "--unsafe-fixes"], d.path());
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("--fix refused") && err.contains(".vmlist") && err.contains("never writes"), "{err}");
    fs::remove_file(d.path().join("pve/.vmlist")).unwrap();
    assert_eq!(files(d.path()), before);
    // --diff is fine there: it writes nothing.
    fs::write(d.path().join("pve/.version"), "1\n").unwrap();
    let out = pvelint(&["check", r, "--diff", "--unsafe-fixes"], d.path());
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn fix_on_the_incident_leaves_no_fixed_finding_and_no_new_one() {
    let d = incident_copy();
    let r = d.path().to_str().unwrap();
    let before = pvelint(&["check", r, "--format", "json", "--unsafe-fixes"], d.path());
    let before: serde_json::Value = serde_json::from_slice(&before.stdout).unwrap();
    let fixed: Vec<String> = before["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d.get("fix").is_some())
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fixed, ["J108"]);
    let out = pvelint(&["check", r, "--fix", "--unsafe-fixes", "--format", "json"], d.path());
    let after: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes = |v: &serde_json::Value| -> Vec<String> {
        v["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect()
    };
    let (b, a) = (codes(&before), codes(&after));
    assert!(!a.contains(&"J108".to_string()), "{a:?}");
    assert!(a.iter().all(|c| b.contains(c)) && a.len() + 1 == b.len(), "{b:?} → {a:?}");
    assert!(fs::read_to_string(d.path().join("pve/jobs.cfg")).unwrap().contains("\tschedule 2,22:30\n"));
}

#[test]
fn commands_are_quoted_commented_and_unsafe_only_when_asked() {
    let d = incident_copy();
    let r = d.path().to_str().unwrap();
    let out = pvelint(&["check", r, "--format", "commands"], d.path());
    assert!(!text(&out.stdout).contains("pvesh"), "unsafe without --unsafe-fixes: {}", text(&out.stdout));
    let out = pvelint(&["check", r, "--format", "commands", "--unsafe-fixes"], d.path());
    let cmds = text(&out.stdout);
    insta::assert_snapshot!("incident_commands_unsafe", cmds);
    assert!(cmds.contains("\npvesh set /cluster/backup/backup-ff3d789f-f52b --schedule 2,22:30\n"), "{cmds}");
    // Hostile values from the tree: a bind mount whose path holds shell syntax.
    let t = tempfile::tempdir().unwrap();
    fs::create_dir_all(t.path().join("nodes/pve1/lxc")).unwrap();
    fs::write(t.path().join("storage.cfg"), "dir: local\n\tpath /var/lib/vz\n\tcontent rootdir,images\n").unwrap();
    fs::write(
        t.path().join("nodes/pve1/lxc/201.conf"),
        "hostname: x\nmp1: /srv/it's $(reboot),mp=/media,backup=1\nrootfs: local:201/vm-201-disk-0.raw,size=8G\n",
    )
    .unwrap();
    let out = pvelint(&["check", t.path().to_str().unwrap(), "--format", "commands"], t.path());
    let cmds = text(&out.stdout);
    assert!(cmds.contains("\npct set 201 --mp1 '/srv/it'\\''s $(reboot),mp=/media'\n"), "{cmds}");
    for line in cmds.lines() {
        assert!(line.is_empty() || line.starts_with('#') || line.starts_with("pct set 201 "), "{line:?}");
    }
    // The quoted word reaches a shell as written.
    let word = "/srv/it's $(reboot),mp=/media";
    let q = "'/srv/it'\\''s $(reboot),mp=/media'";
    let sh = Command::new("sh").arg("-c").arg(format!("printf %s {q}")).output().unwrap();
    assert_eq!(text(&sh.stdout), word);
}

#[test]
fn json_and_sarif_carry_the_fix() {
    let d = incident_copy();
    let r = d.path().to_str().unwrap();
    let out = pvelint(&["check", r, "--format", "json", "--unsafe-fixes"], d.path());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fix = v["diagnostics"].as_array().unwrap().iter().find_map(|d| d.get("fix")).unwrap().clone();
    assert_eq!(fix["applicability"], "unsafe");
    assert_eq!(fix["command"], "pvesh set /cluster/backup/backup-ff3d789f-f52b --schedule 2,22:30");
    let e = &fix["edits"][0];
    assert_eq!(
        (e["path"].as_str(), e["line"].as_u64(), e["replacement"].as_str()),
        (Some("pve/jobs.cfg"), Some(2), Some("2,22:30"))
    );
    let jobs = fs::read_to_string(d.path().join("pve/jobs.cfg")).unwrap();
    let (s, en) = (e["start"].as_u64().unwrap() as usize, e["end"].as_u64().unwrap() as usize);
    assert_eq!(&jobs[s..en], "2:30,22:30");
    let out = pvelint(&["check", r, "--format", "sarif", "--unsafe-fixes"], d.path());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fixes: Vec<&serde_json::Value> =
        v["runs"][0]["results"].as_array().unwrap().iter().filter_map(|r| r.get("fixes")).collect();
    assert_eq!(fixes.len(), 1);
    let rep = &fixes[0][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(rep["insertedContent"]["text"], "2,22:30");
    assert_eq!(rep["deletedRegion"]["byteOffset"].as_u64(), Some(s as u64));
    // Without --unsafe-fixes, neither shows an unsafe fix.
    let out = pvelint(&["check", r, "--format", "json"], d.path());
    assert!(!text(&out.stdout).contains("\"fix\""));
}

#[test]
fn fixes_never_show_or_move_a_secret() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    // CR-LF in a one-section storage.cfg holding a password: the conversion touches the
    // password's line, so it is not offered; the diff of another file masks context.
    fs::write(
        root.join("storage.cfg"),
        "pbs: pbs1\r\n\tserver 10.0.0.9\r\n\tdatastore main\r\n\tusername backup@pbs\r\n\tpassword CANARY-7f3a\r\n\tcontent backup\r\n",
    )
    .unwrap();
    fs::write(root.join("jobs.cfg"), "vzdump: j1\n\tschedule 2:30,22:30\n\tall 1\n\tstorage pbs1\n").unwrap();
    let r = root.to_str().unwrap();
    for args in [
        vec!["check", r, "--diff", "--unsafe-fixes"],
        vec!["check", r, "--format", "commands", "--unsafe-fixes"],
        vec!["check", r, "--format", "json", "--unsafe-fixes"],
        vec!["check", r, "--format", "sarif", "--unsafe-fixes"],
    ] {
        let out = pvelint(&args, root);
        assert!(!text(&out.stdout).contains("CANARY") && !text(&out.stderr).contains("CANARY"), "{args:?}");
    }
    let out = pvelint(&["check", r, "--format", "json", "--unsafe-fixes"], root);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p003 = v["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "P003").unwrap();
    assert!(p003.get("fix").is_none(), "{p003}");
    let j108 = v["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "J108").unwrap();
    assert!(j108.get("fix").is_some(), "a fix away from the secret stays: {j108}");
}

#[test]
fn with_files_given_only_those_files_are_fixed_and_ignored_findings_never() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let storage = "dir: backup\n\tpath /mnt/backup\n\tis_mountpoint yes\n\tcontent backup\n\t\n\ndir: local\n\tpath /var/lib/vz\n\tcontent iso\n";
    let jobs = "vzdump: j1\n\tschedule 2:30,22:30\n\tall 1\n\tstorage backup\n\n\nvzdump: j2\n\tschedule 02:00\n\tall 1\n\tstorage backup\n\t \n";
    fs::write(root.join("storage.cfg"), storage).unwrap();
    fs::write(root.join("jobs.cfg"), jobs).unwrap();
    let out = pvelint(&["check", "storage.cfg", "--fix"], root);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out.stderr));
    assert_eq!(fs::read_to_string(root.join("jobs.cfg")).unwrap(), jobs, "a file not given is not fixed");
    assert_eq!(fs::read_to_string(root.join("storage.cfg")).unwrap(), storage.replace("\t\n\n", "\n\n"));
    // An ignored code is not fixed.
    let out = pvelint(&["check", ".", "--fix", "--unsafe-fixes", "--ignore", "J108"], root);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out.stderr));
    let now = fs::read_to_string(root.join("jobs.cfg")).unwrap();
    assert!(now.contains("schedule 2:30,22:30") && !now.contains("\t \n"), "{now}");
    // --output commands=FILE writes the commands too.
    let out = pvelint(&["check", ".", "--unsafe-fixes", "--output", "commands=cmds.sh", "--format", "concise"], root);
    assert!(out.status.code().is_some_and(|c| c <= 1));
    let cmds = fs::read_to_string(root.join("cmds.sh")).unwrap();
    assert!(cmds.contains("pvesh set /cluster/backup/j1 --schedule 2,22:30\n"), "{cmds}");
}

/// Through the binary, on every rule's fail cases (what-if cases aside): `--diff` writes
/// nothing and exits 1 exactly when it prints a diff; `--format commands` prints only
/// comments and Proxmox commands; `--fix` on a copy leaves nothing for a second `--diff`.
#[test]
fn every_fail_case_through_the_binary() {
    let rules = workspace().join("testdata/rules");
    let mut cases: Vec<(String, PathBuf)> = Vec::new();
    for code in fs::read_dir(&rules).unwrap().flatten() {
        for case in fs::read_dir(code.path()).unwrap().flatten() {
            let name = case.file_name().to_string_lossy().into_owned();
            if name.starts_with("fail_") && !case.path().join("whatif.args").exists() {
                cases.push((code.file_name().to_string_lossy().into_owned(), case.path()));
            }
        }
    }
    cases.sort();
    let mut with_diff = 0;
    for (code, dir) in &cases {
        let scratch = tempfile::tempdir().unwrap();
        common::copy_tree(dir, scratch.path());
        let before = files(scratch.path());
        let r = scratch.path().to_str().unwrap();
        let select = format!("{code},P");
        let out = pvelint(&["check", r, "--select", &select, "--diff", "--unsafe-fixes"], scratch.path());
        let diff = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(if diff.is_empty() { 0 } else { 1 }),
            "{code} {}: {}",
            dir.display(),
            text(&out.stderr)
        );
        assert_eq!(files(scratch.path()), before, "{code}: --diff wrote");
        let out = pvelint(&["check", r, "--select", &select, "--format", "commands", "--unsafe-fixes"], scratch.path());
        for line in text(&out.stdout).lines() {
            let ok = line.is_empty()
                || line.starts_with('#')
                || ["pvesm set ", "pvesh set /cluster/backup/", "pct set ", "pct unlock ", "qm unlock "]
                    .iter()
                    .any(|p| line.starts_with(p));
            assert!(ok, "{code} {}: {line:?}", dir.display());
        }
        if diff.is_empty() {
            continue;
        }
        with_diff += 1;
        let out = pvelint(&["check", r, "--select", &select, "--fix", "--unsafe-fixes"], scratch.path());
        assert!(out.status.code().is_some_and(|c| c <= 1), "{code}: {}", text(&out.stderr));
        assert_ne!(files(scratch.path()), before, "{code}: --fix changed nothing");
        let out = pvelint(&["check", r, "--select", &select, "--diff", "--unsafe-fixes"], scratch.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{code} {}: still a diff after --fix:\n{}",
            dir.display(),
            text(&out.stdout)
        );
    }
    assert!(with_diff >= 10, "{with_diff} cases with a diff");
}
