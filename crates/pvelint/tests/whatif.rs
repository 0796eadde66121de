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

/// Every flag what-if inherits from `check` either works or exits 2.
#[test]
fn inherited_check_flags_work_or_exit_2() {
    let change = ["--move-storage", "local-3TB-backup=still-fawn"];
    let dir = tempfile::tempdir().unwrap();
    // --output writes what --format would print.
    let sarif = dir.path().join("x.sarif");
    let out_arg = format!("sarif={}", sarif.display());
    let (code, _, err) = what_if(&[&change[..], &["--output", &out_arg]].concat());
    assert_eq!(code, Some(1), "{err}");
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert!(!written["runs"][0]["results"].as_array().unwrap().is_empty());
    // --statistics counts the introduced findings per rule.
    let (_, full, _) = what_if(&[&change[..], &["--statistics"]].concat());
    assert!(full.lines().any(|l| l.split_whitespace().nth(1) == Some("G103")), "{full}");
    // --show-config prints the configuration and exits 0.
    let (code, shown, _) = what_if(&[&change[..], &["--show-config", "--isolated"]].concat());
    assert_eq!(code, Some(0));
    assert!(shown.contains("select: [all]"), "{shown}");
    // Baselines and file arguments have no meaning here.
    let base = dir.path().join("b.json").display().to_string();
    for extra in [
        &["--baseline", base.as_str()][..],
        &["--write-baseline", base.as_str()],
        &["storage.cfg"],
        &["--all-files-in-tree"],
    ] {
        let (code, _, err) = what_if(&[&change[..], extra].concat());
        assert_eq!(code, Some(2), "{extra:?}: {err}");
        assert!(err.contains("what-if"), "{err}");
    }
    assert!(!Path::new(&base).exists());
}

/// The plan counts with the same words as the summary line: "0 infos", not "0 info".
#[test]
fn the_plan_counts_like_the_summary() {
    let (_, full, _) = what_if(&["--move-storage", "local-3TB-backup=still-fawn"]);
    let plan = full.lines().nth(1).unwrap();
    assert!(plan.contains(" infos") || plan.contains("1 info,") || plan.contains("1 info)"), "{plan}");
    assert!(!plan.contains("0 info)"), "{plan}");
}

/// Moving a VM checks what it needs on the new node: its PCI mapping (X102) and the SDN
/// zone of its vnet (D105); a node that has both introduces nothing.
#[test]
fn moving_a_guest_checks_its_mappings_and_vnets_on_the_new_node() {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/what-if/mapped-guest");
    let run = |to: &str| -> serde_json::Value {
        let out = Command::new(env!("CARGO_BIN_EXE_pvelint"))
            .arg("what-if")
            .arg(&tree)
            .args(["--move-guest", &format!("100={to}"), "--format", "json"])
            .output()
            .expect("run pvelint");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let v = run("pve3");
    let codes: Vec<&str> = v["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["X102", "D105"], "{v}");
    assert!(v["diagnostics"].as_array().unwrap().iter().all(|d| d["message"].as_str().unwrap().contains("'pve3'")));
    let v = run("pve2");
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0, "{v}");
}
