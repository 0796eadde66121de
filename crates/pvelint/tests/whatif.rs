//! `pvelint what-if` end to end, on the incident cluster as it was before the USB pool
//! moved (testdata/what-if/incident-before): one snapshot per kind of change.

use std::path::{Path, PathBuf};
use std::process::Command;

fn tree() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/what-if/incident-before")
}

fn what_if(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .arg("what-if")
        .arg(".")
        .args(args)
        .args(["--color", "never"])
        .args(if args.contains(&"--format") { &[][..] } else { &["--format", "full"][..] })
        .current_dir(tree())
        .env("COLUMNS", "100")
        .output()
        .expect("run pvelint");
    (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let (_, out, err) = what_if(&a);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"))
}

fn hits(v: &serde_json::Value, field: &str, code: &str, path: &str, line: u64) -> bool {
    v[field].as_array().unwrap().iter().any(|d| d["code"] == code && d["path"] == path && d["line"] == line)
}

#[test]
fn moving_the_pool_reports_every_ghost_reference_of_the_incident() {
    let args = ["--move-storage", "local-3TB-backup=still-fawn"];
    let (code, full, _) = what_if(&args);
    assert_eq!(code, Some(1));
    assert!(
        full.starts_with("What if storage 'local-3TB-backup' becomes available only on node 'still-fawn'?"),
        "{full}"
    );
    let v = json(&args);
    // The mp0 lines of both containers, the tmpdir line, and the job.
    assert!(hits(&v, "diagnostics", "G103", "pve/nodes/fun-bedbug/lxc/106.conf", 6));
    assert!(hits(&v, "diagnostics", "G103", "pve/nodes/fun-bedbug/lxc/113.conf", 5));
    assert!(hits(&v, "diagnostics", "V101", "vzdump.conf", 3));
    assert!(hits(&v, "diagnostics", "J109", "pve/jobs.cfg", 1), "the job's warning becomes an error: introduced");
    // What it resolves: the pool is no longer a single-node dependency on fun-bedbug.
    assert!(hits(&v, "resolved", "V102", "vzdump.conf", 3));
    assert_eq!(v["summary"]["errors"].as_u64(), Some(4));
    insta::assert_snapshot!("move_storage_full", full);
    insta::assert_snapshot!("move_storage_json", serde_json::to_string_pretty(&v).unwrap());
}

#[test]
fn moving_guests_reports_volumes_bind_mounts_and_hookscripts() {
    let args = ["--move-guest", "106=still-fawn", "--move-guest", "101=fun-bedbug"];
    let (code, full, err) = what_if(&args);
    assert_eq!(code, Some(1), "{err}");
    let v = json(&args);
    assert!(hits(&v, "diagnostics", "G103", "pve/nodes/fun-bedbug/lxc/106.conf", 6), "{full}");
    assert!(hits(&v, "diagnostics", "M101", "pve/nodes/fun-bedbug/lxc/106.conf", 7), "{full}");
    assert!(hits(&v, "diagnostics", "M102", "pve/nodes/still-fawn/qemu-server/101.conf", 3), "{full}");
    insta::assert_snapshot!("move_guest_full", full);
}

#[test]
fn removing_and_disabling_storage() {
    let (code, full, _) = what_if(&["--remove-storage", "local-3TB-backup"]);
    assert_eq!(code, Some(1));
    let v = json(&["--remove-storage", "local-3TB-backup"]);
    assert!(hits(&v, "diagnostics", "G101", "pve/nodes/fun-bedbug/lxc/120.conf", 7));
    assert!(hits(&v, "diagnostics", "V101", "vzdump.conf", 3));
    insta::assert_snapshot!("remove_storage_full", full);
    let v = json(&["--disable-storage", "local-3TB-backup"]);
    assert!(hits(&v, "diagnostics", "G102", "pve/nodes/fun-bedbug/lxc/113.conf", 5));
    assert!(hits(&v, "diagnostics", "V101", "vzdump.conf", 3));
    insta::assert_snapshot!("disable_storage_json", serde_json::to_string_pretty(&v).unwrap());
}

#[test]
fn removing_a_node() {
    let (code, full, err) = what_if(&["--remove-node", "still-fawn"]);
    assert_eq!(code, Some(1), "{err}");
    let v = json(&["--remove-node", "still-fawn"]);
    assert!(hits(&v, "diagnostics", "C102", "pve/nodes/still-fawn/qemu-server/101.conf", 1), "{full}");
    insta::assert_snapshot!("remove_node_full", full);
}

/// A node that every kind of configuration names: storage `nodes`, a job's `node`, a
/// replication target, an HA group, and guests still in its directory.
#[test]
fn retiring_a_node_reports_everything_that_names_it() {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/what-if/retire-node");
    let out = Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(["what-if", ".", "--remove-node", "pve3", "--format", "json"])
        .current_dir(&tree)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (code, path) in [
        ("S101", "storage.cfg"),
        ("J104", "jobs.cfg"),
        ("R102", "replication.cfg"),
        ("H102", "ha/groups.cfg"),
        ("C102", "nodes/pve3/lxc/300.conf"),
    ] {
        assert!(
            v["diagnostics"].as_array().unwrap().iter().any(|d| d["code"] == code && d["path"] == path),
            "{code} in {path}: {}",
            serde_json::to_string_pretty(&v).unwrap()
        );
    }
    insta::assert_snapshot!("retire_node_json", serde_json::to_string_pretty(&v).unwrap());
}

#[test]
fn a_change_that_changes_nothing_exits_0() {
    let (code, full, _) = what_if(&["--move-storage", "local-3TB-backup=fun-bedbug"]);
    assert_eq!(code, Some(0), "{full}");
    assert!(full.contains("introduces no finding"), "{full}");
}

#[test]
fn unknown_objects_and_missing_changes_exit_2() {
    for args in [
        &["--move-storage", "nope=still-fawn"][..],
        &["--move-guest", "999=still-fawn"],
        &["--move-guest", "106=nowhere"],
        &["--remove-node", "nowhere"],
        &["--move-storage", "local-3TB-backup"],
        &[],
    ] {
        let (code, _, err) = what_if(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.starts_with("pvelint: "), "{err}");
    }
}
