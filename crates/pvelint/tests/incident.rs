//! The incident of docs: the bundled tree must yield every ghost reference, in both the
//! human and the JSON output (snapshots), through the real binary.

use std::path::Path;
use std::process::Command;

fn run(format: &str) -> (Option<i32>, String) {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/incident");
    let out = Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(["check", "--format", format, "--color", "never"])
        .arg(".")
        .current_dir(tree)
        .env("COLUMNS", "80")
        .output()
        .expect("run pvelint");
    (out.status.code(), String::from_utf8(out.stdout).expect("UTF-8 output"))
}

#[test]
fn incident_is_fully_reported() {
    let (code, json) = run("json");
    assert_eq!(code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    let at = |path: &'static str, line: u64| diags.iter().filter(move |d| d["path"] == path && d["line"] == line);
    // The mp0 lines of CT 106 and CT 113.
    assert!(at("pve/nodes/fun-bedbug/lxc/106.conf", 6).count() >= 2);
    // One G106 per volume (at CT 106, the non-owner): CT 113 keeps its other findings.
    assert!(at("pve/nodes/fun-bedbug/lxc/113.conf", 5).count() >= 1);
    // fun-bedbug's tmpdir.
    assert!(at("vzdump.conf", 3).any(|d| d["message"].as_str().unwrap().contains("tmpdir")));
    // The stale `nodes fun-bedbug`, seen from the Frigate CT on still-fawn.
    assert!(at("pve/nodes/still-fawn/lxc/120.conf", 7).any(|d| {
        d["labels"].as_array().unwrap().iter().any(|l| l["path"] == "pve/storage.cfg" && l["line"] == 14)
    }));
    // The job that kept selecting them.
    assert!(at("pve/jobs.cfg", 1).any(|d| d["message"].as_str().unwrap().contains("backup-ff3d789f-f52b")));
    insta::assert_snapshot!("incident_json", json);
    let (_, full) = run("full");
    insta::assert_snapshot!("incident_full", full);
    let (_, concise) = run("concise");
    insta::assert_snapshot!("incident_concise", concise);
}
