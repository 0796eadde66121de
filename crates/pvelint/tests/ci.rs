//! pre-commit and CI fit, end to end with the real binary: configuration files,
//! baselines, changed-file mode, extra outputs, exit-code controls.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pvelint(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("FORCE_COLOR")
        .output()
        .expect("run pvelint")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// A small cluster with one G103 (CT 120 on pve2, storage only on pve1) and one P008.
fn cluster() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "pve/corosync.conf",
        "nodelist {\n  node {\n    name: pve1\n    nodeid: 1\n  }\n  node {\n    name: pve2\n    nodeid: 2\n  }\n}\n\
         quorum {\n  provider: corosync_votequorum\n  two_node: 1\n}\n\
         totem {\n  cluster_name: lab\n  config_version: 2\n  secauth: on\n  version: 2\n}\n",
    );
    write(
        r,
        "pve/storage.cfg",
        "dir: local\n\tpath /var/lib/vz\n\tcontent iso,backup\n\nzfspool: usb\n\tpool usb\n\tcontent rootdir\n\tnodes pve1\n\nlvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n\tbogus 1\n",
    );
    write(
        r,
        "pve/nodes/pve2/lxc/120.conf",
        "hostname: nvr\nmp0: usb:subvol-120-disk-0,mp=/media\nrootfs: local-lvm:vm-120-disk-0,size=8G\n",
    );
    write(r, "pve/nodes/pve1/lxc/121.conf", "hostname: ok\nrootfs: local-lvm:vm-121-disk-0,size=8G\n");
    dir
}

fn codes(o: &Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)));
    v["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect()
}

#[test]
fn configuration_selects_overrides_and_ignores() {
    let dir = cluster();
    let r = dir.path();
    let base = pvelint(&["check", "pve", "--format", "json"], r);
    let mut found = codes(&base);
    found.sort();
    assert_eq!(found, vec!["G103".to_string(), "P007".to_string()], "{}", text(&base));
    write(r, "pvelint.yaml", "severity:\n  G103: info\nper-path-ignores:\n  - path: storage.cfg\n    rules: [P007]\n    reason: vendor key\n");
    let o = pvelint(&["check", "pve", "--format", "json"], r);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(codes(&o), vec!["G103".to_string()], "{}", text(&o));
    assert_eq!(v["diagnostics"][0]["severity"], "info");
    assert_eq!(o.status.code(), Some(0), "an info does not fail the run");
    // --fail-on info makes it fail; --exit-zero never fails; --isolated ignores the file.
    assert_eq!(pvelint(&["check", "pve", "--fail-on", "info"], r).status.code(), Some(1));
    assert_eq!(pvelint(&["check", "pve", "--isolated", "--exit-zero"], r).status.code(), Some(0));
    assert_eq!(codes(&pvelint(&["check", "pve", "--isolated", "--format", "json"], r)).len(), 2);
    write(r, "pvelint.yaml", "per-object-ignores:\n  - object: guest:120\n    reason: moving soon\nignore: [P]\n");
    assert!(codes(&pvelint(&["check", "pve", "--format", "json"], r)).is_empty());
    let shown = text(&pvelint(&["check", "pve", "--show-config"], r));
    assert!(shown.contains("object: guest:120") && shown.contains("reason: moving soon"), "{shown}");
    assert_eq!(text(&pvelint(&["config", "pve"], r)), shown);
}

#[test]
fn configuration_errors_have_spans_and_exit_2() {
    let dir = cluster();
    let r = dir.path();
    write(r, "pvelint.yaml", "select:\n  - G1\n  - G999x\n");
    let o = pvelint(&["check", "pve"], r);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("G999x") && e.contains("pvelint.yaml:3"), "{e}");
    write(r, "pvelint.yaml", "selcet: [G1]\n");
    let o = pvelint(&["check", "pve"], r);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("selcet"), "{}", stderr(&o));
}

#[test]
fn baseline_survives_moved_lines_and_reports_stale_entries() {
    let dir = cluster();
    let r = dir.path();
    let o = pvelint(&["check", "pve", "--write-baseline", "baseline.json"], r);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(pvelint(&["check", "pve", "--baseline", "baseline.json"], r).status.code(), Some(0));
    // Unrelated edits move every line.
    let sc = fs::read_to_string(r.join("pve/storage.cfg")).unwrap();
    write(
        r,
        "pve/storage.cfg",
        &format!("dir: archive\n\tpath /srv/archive\n\tcontent iso\n\tis_mountpoint yes\n\n{sc}"),
    );
    write(
        r,
        "pve/nodes/pve2/lxc/120.conf",
        "#NVR\n#camera recorder\narch: amd64\nhostname: nvr\nmp0: usb:subvol-120-disk-0,mp=/media\nrootfs: local-lvm:vm-120-disk-0,size=8G\n",
    );
    let o = pvelint(&["check", "pve", "--baseline", "baseline.json", "--format", "json"], r);
    assert!(codes(&o).is_empty(), "{}", text(&o));
    assert_eq!(o.status.code(), Some(0));
    // A new problem is reported; a fixed one leaves a stale entry.
    write(
        r,
        "pve/nodes/pve2/lxc/122.conf",
        "hostname: new\nmp0: usb:subvol-122-disk-0,mp=/data\nrootfs: local-lvm:vm-122-disk-0\n",
    );
    write(r, "pve/nodes/pve2/lxc/120.conf", "hostname: nvr\nrootfs: local-lvm:vm-120-disk-0,size=8G\n");
    let o = pvelint(&["check", "pve", "--baseline", "baseline.json", "--format", "json"], r);
    assert_eq!(codes(&o), vec!["G103".to_string()]);
    assert!(text(&o).contains("122.conf"));
    assert!(stderr(&o).contains("1 baseline entry no longer matches any finding"), "{}", stderr(&o));
}

fn git(r: &Path, args: &[&str]) {
    let s = Command::new("git")
        .args(args)
        .current_dir(r)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .unwrap();
    assert!(s.success(), "git {args:?}");
}

/// What pre-commit does: run the hook's entry with the changed files that match `files`.
#[test]
fn pre_commit_hook_on_changed_files() {
    let hooks = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.pre-commit-hooks.yaml")).unwrap();
    assert!(hooks.contains("id: pvelint") && hooks.contains("entry: pvelint check"), "{hooks}");
    let dir = cluster();
    let r = dir.path();
    git(r, &["init", "-q"]);
    git(r, &["add", "."]);
    git(r, &["commit", "-q", "-m", "tree"]);
    write(
        r,
        "pve/nodes/pve1/lxc/121.conf",
        "hostname: ok\nmp0: gone:subvol-121-disk-0,mp=/x\nrootfs: local-lvm:vm-121-disk-0,size=8G\n",
    );
    let out = Command::new("git").args(["diff", "--name-only"]).current_dir(r).output().unwrap();
    let changed: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect();
    assert_eq!(changed, vec!["pve/nodes/pve1/lxc/121.conf".to_string()]);
    let mut args = vec!["check", "--format", "json"];
    args.extend(changed.iter().map(String::as_str));
    let o = pvelint(&args, r);
    // Only the changed file's findings: G101 there, not the G103/P007 elsewhere.
    assert_eq!(codes(&o), vec!["G101".to_string()], "{}{}", text(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(1));
    args.push("--all-files-in-tree");
    assert_eq!(codes(&pvelint(&args, r)).len(), 3);
    // A clean changed file passes.
    let o = pvelint(&["check", "pve/nodes/pve2/lxc/120.conf", "pve/storage.cfg", "--select", "G101"], r);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // A file of an /etc copy brings the vzdump.conf beside pve/ and keeps the pve/ prefix.
    let inc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/incident");
    let o = pvelint(&["check", "pve/jobs.cfg", "vzdump.conf", "--format", "json"], &inc);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let paths: Vec<&str> = v["diagnostics"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"pve/jobs.cfg") && paths.contains(&"vzdump.conf"), "{paths:?}");
    assert!(paths.iter().all(|p| *p == "pve/jobs.cfg" || *p == "vzdump.conf"), "{paths:?}");
    // A file outside any tree is an error, not a silent pass.
    write(r, "README.md", "hello\n");
    let o = pvelint(&["check", "README.md"], r);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn extra_outputs_and_statistics() {
    let dir = cluster();
    let r = dir.path();
    let o = pvelint(
        &[
            "check",
            "pve",
            "--format",
            "concise",
            "--output",
            "sarif=out.sarif",
            "--output",
            "json=out.json",
            "--statistics",
        ],
        r,
    );
    assert_eq!(o.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_str(&fs::read_to_string(r.join("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let json: serde_json::Value = serde_json::from_str(&fs::read_to_string(r.join("out.json")).unwrap()).unwrap();
    assert_eq!(json["summary"]["errors"].as_u64().unwrap() + json["summary"]["warnings"].as_u64().unwrap(), 2);
    let t = text(&o);
    assert!(t.contains("     1  G103  volume-storage-not-on-node"), "{t}");
    assert_eq!(pvelint(&["check", "pve", "--output", "xml=x"], r).status.code(), Some(2));
    // Never over a configuration file of the tree.
    let before = fs::read(r.join("pve/storage.cfg")).unwrap();
    let o = pvelint(&["check", "pve", "--output", "json=pve/storage.cfg"], r);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("refusing to write"), "{}", stderr(&o));
    assert_eq!(pvelint(&["check", "pve", "--write-baseline", "pve/nodes/pve2/lxc/120.conf"], r).status.code(), Some(2));
    assert_eq!(fs::read(r.join("pve/storage.cfg")).unwrap(), before);
}

#[test]
fn path_prefix_places_the_tree_in_the_repository() {
    let dir = cluster();
    let r = dir.path();
    write(r, "node1-vzdump.conf", "tmpdir: /mnt/pve/gone/tmp\n");
    let o = pvelint(&["check", "pve", "--write-baseline", "baseline.json"], r);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let args = ["check", "pve", "--vzdump-conf", "pve1=node1-vzdump.conf", "--format", "json"];
    let with = |extra: &[&str]| pvelint(&[&args[..], extra].concat(), r);
    let o = with(&["--path-prefix", "infra/cluster/", "--output", "sarif=out.sarif"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let paths: Vec<&str> = v["diagnostics"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect();
    // The tree's files move under the prefix (one slash), the attached file keeps its path.
    assert!(paths.contains(&"infra/cluster/nodes/pve2/lxc/120.conf"), "{paths:?}");
    assert!(paths.contains(&"node1-vzdump.conf"), "{paths:?}");
    assert!(paths.iter().all(|p| p.starts_with("infra/cluster/") || *p == "node1-vzdump.conf"), "{paths:?}");
    let sarif: serde_json::Value = serde_json::from_str(&fs::read_to_string(r.join("out.sarif")).unwrap()).unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    assert!(uris.contains(&"infra/cluster/storage.cfg"), "{uris:?}");
    // Without the prefix the same findings have the tree's own paths.
    let plain: serde_json::Value = serde_json::from_slice(&with(&[]).stdout).unwrap();
    assert_eq!(plain["diagnostics"].as_array().unwrap().len(), paths.len());
    assert!(plain["diagnostics"].as_array().unwrap().iter().any(|d| d["path"] == "nodes/pve2/lxc/120.conf"));
    // A baseline written without the prefix still matches (the attached file's finding
    // was not in it).
    let o = pvelint(
        &["check", "pve", "--baseline", "baseline.json", "--format", "json", "--path-prefix", "infra/cluster"],
        r,
    );
    assert!(codes(&o).is_empty(), "{}", text(&o));
    // The same from pvelint.yaml; the command line wins.
    write(r, "pvelint.yaml", "path-prefix: from/config\n");
    let first_path = |o: &Output| -> String {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["diagnostics"][0]["path"].as_str().unwrap().to_string()
    };
    assert!(first_path(&pvelint(&["check", "pve", "--format", "json"], r)).starts_with("from/config/"));
    assert!(
        first_path(&pvelint(&["check", "pve", "--format", "json", "--path-prefix", "./cli/"], r)).starts_with("cli/")
    );
    assert!(text(&pvelint(&["check", "pve", "--show-config"], r)).contains("path-prefix: from/config"));
}

#[test]
fn config_schema_is_current() {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/pvelint.schema.json");
    let schema = pvelint::config::json_schema();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        fs::write(&path, &schema).unwrap();
    }
    let on_disk = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == schema,
        "docs/pvelint.schema.json is stale: run `UPDATE_DOCS=1 cargo test -p pvelint --test ci config_schema_is_current`"
    );
    let v: serde_json::Value = serde_json::from_str(&schema).unwrap();
    for key in [
        "select",
        "extend-select",
        "ignore",
        "severity",
        "per-path-ignores",
        "per-object-ignores",
        "vzdump-conf",
        "pve-version",
    ] {
        assert!(v["properties"].get(key).is_some(), "schema lacks {key}");
    }
}

#[test]
fn completions_and_man_page() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let o = pvelint(&["completions", shell], dir.path());
        assert_eq!(o.status.code(), Some(0));
        assert!(text(&o).contains("what-if"), "{shell}");
    }
    assert_eq!(pvelint(&["completions", "tcsh"], dir.path()).status.code(), Some(2));
    let man = text(&pvelint(&["man"], dir.path()));
    assert!(man.starts_with(".ie") || man.contains(".TH"), "{man}");
}
