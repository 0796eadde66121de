//! End-to-end tests of the `pvelint` binary: discovery, exit codes, output contracts.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pvelint(args: &[&str], cwd: Option<&Path>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pvelint"));
    c.args(args).env("NO_COLOR", "1").env_remove("COLUMNS");
    if let Some(d) = cwd {
        c.current_dir(d);
    }
    c.output().expect("run pvelint")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

#[test]
fn no_tree_exits_2_and_says_what_was_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = pvelint(&["check", dir.path().to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no Proxmox configuration found") && err.contains("storage.cfg"), "{err}");
    let out = pvelint(&["check", "/nonexistent/pvelint-test"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(pvelint(&["check", "--format", "xml"], None).status.code(), Some(2));
    assert_eq!(pvelint(&["frobnicate"], None).status.code(), Some(2));
    let inc = workspace().join("testdata/incident");
    let inc = inc.to_str().unwrap();
    assert_eq!(pvelint(&["check", inc, "--select", "Z999"], None).status.code(), Some(2));
    assert_eq!(pvelint(&["check", inc, "--vzdump-conf", "nonode"], None).status.code(), Some(2));
    assert_eq!(pvelint(&["rule", "Z999"], None).status.code(), Some(2));
}

#[test]
fn json_contract_shape() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "storage.cfg", "dir: backup\n\tpath /mnt/backup\n\tcontent backups\n");
    let out = pvelint(&["check", dir.path().to_str().unwrap(), "--format", "json", "--select", "P"], None);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["version"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "P008");
    assert_eq!(d["name"], "invalid-value");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["path"], "storage.cfg");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(3), Some(10)));
    assert_eq!((d["end_line"].as_u64(), d["end_column"].as_u64()), (Some(3), Some(17)));
    assert!(d["labels"].is_array());
    assert!(d["message"].as_str().unwrap().contains("backups"));
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["summary"]["errors"], 1);
}

#[test]
fn three_layouts_and_display_paths() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "etc/pve/storage.cfg", "dir: bk\n\tpath /mnt/bk\n\tcontent backupz\n");
    write(root, "etc/pve/.members", "{\"nodename\": \"pve1\"}");
    write(root, "etc/vzdump.conf", "tmpdir: /tmp\n");
    for (path, expect) in [
        (root.to_path_buf(), "etc/pve/storage.cfg"),
        (root.join("etc"), "pve/storage.cfg"),
        (root.join("etc/pve"), "storage.cfg"),
    ] {
        let out = pvelint(&["check", path.to_str().unwrap(), "--format", "json"], None);
        let v = json(&out);
        assert_eq!(v["diagnostics"][0]["path"], expect);
        let files = if expect == "storage.cfg" { 1 } else { 2 };
        assert_eq!(v["summary"]["files"], files, "{expect}: the vzdump.conf beside pve/ is read");
    }
    // Without PATH, the current directory.
    let out = pvelint(&["check", "--format", "json"], Some(&root.join("etc/pve")));
    assert_eq!(json(&out)["diagnostics"][0]["path"], "storage.cfg");
}

#[cfg(unix)]
#[test]
fn symlinks_priv_and_fifos_are_never_read() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "storage.cfg", "dir: bk\n\tpath /mnt/bk\n");
    write(root, "nodes/pve1/lxc/100.conf", "hostname: a\nrootfs: local:100/vm-100-disk-0.raw\n");
    write(root, "priv/storage.cfg", "dir: secret\n\tpassword hunter2\n\tbogus line\n");
    write(root, "nodes/pve1/priv/x.conf", "hunter2\n");
    symlink("nodes/pve1", root.join("local")).unwrap();
    symlink("nodes/pve1/lxc", root.join("lxc")).unwrap();
    symlink("nodes/pve1/qemu-server", root.join("qemu-server")).unwrap();
    let fifo = root.join("nodes/pve1/lxc/101.conf");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let out = pvelint(&["check", root.to_str().unwrap(), "--format", "json"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("hunter2") && !text.contains("secret"), "{text}");
    let v = json(&out);
    // storage.cfg, 100.conf and the FIFO (reported, not opened): the symlinks add nothing.
    assert_eq!(v["summary"]["files"], 3, "{text}");
    let fifo_diag = v["diagnostics"].as_array().unwrap().iter().find(|d| d["path"] == "nodes/pve1/lxc/101.conf");
    assert_eq!(fifo_diag.map(|d| d["code"].clone()), Some("P015".into()), "{text}");
}

#[test]
fn vzdump_conf_attached_keeps_its_path() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pve/storage.cfg", "dir: bk\n\tpath /mnt/bk\n\tcontent backup\n");
    write(dir.path(), "other/fb.conf", "tmpdir: /tmp\n");
    let out =
        pvelint(&["check", "pve", "--vzdump-conf", "fun-bedbug=other/fb.conf", "--format", "json"], Some(dir.path()));
    let v = json(&out);
    assert_eq!(v["summary"]["files"], 2);
    let out = pvelint(&["check", "pve", "--vzdump-conf", "fb=missing.conf"], Some(dir.path()));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn output_is_deterministic_and_concise_is_one_line_each() {
    let inc = workspace().join("testdata/incident");
    let a = pvelint(&["check", inc.to_str().unwrap()], None);
    let b = pvelint(&["check", inc.to_str().unwrap()], None);
    assert_eq!(a.stdout, b.stdout);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "storage.cfg", "dir: bk\n\tpath /mnt/bk\n\tcontent backupz\n\tnodes a_b\n");
    let out = pvelint(&["check", dir.path().to_str().unwrap(), "--format", "concise", "--select", "P"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    // Two findings, then the summary: the layout line and the counts.
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(lines[2], "layout: a copy of /etc/pve", "{text}");
    assert!(lines[0].starts_with("storage.cfg:3:10: error P008 "), "{text}");
    assert!(lines[1].starts_with("storage.cfg:4:8: error P008 "), "{text}");
}

#[test]
fn rule_command_prints_documents() {
    let out = pvelint(&["rule", "P001"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("# P001 separator-line-not-empty"));
    let out = pvelint(&["rule", "--all"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().count() >= 15);
    assert!(text.contains("P013  duplicate-section-id"));
}
