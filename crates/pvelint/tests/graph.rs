//! `pvelint graph` and the picture formats end to end: the incident (the issue's "done
//! when"), the what-if cases, escaping of hostile values, determinism, the HTML's
//! self-containment, focus errors, and output that grows no faster than the tree.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(rel)
}

fn pvelint(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run pvelint")
}

/// Runs pvelint in `tree`, expects `code`, returns stdout.
fn run(tree: &Path, args: &[&str], code: i32) -> String {
    let out = pvelint(args, tree);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn graph_json(tree: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["graph", ".", "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&run(tree, &args, 0)).unwrap()
}

fn ids(v: &Value) -> Vec<&str> {
    v["objects"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect()
}

fn edges<'a>(v: &'a Value, from: &str, to: &str) -> Vec<&'a Value> {
    v["edges"].as_array().unwrap().iter().filter(|e| e["from"] == from && e["to"] == to).collect()
}

/// The codes of the findings attached to an edge.
fn edge_codes(v: &Value, e: &Value) -> Vec<String> {
    e["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| v["findings"][i.as_u64().unwrap() as usize]["code"].as_str().unwrap().to_string())
        .collect()
}

/// A tree of these files in a temporary directory.
fn tree_of(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = d.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    d
}

const POOL: &str = "storage:local-3TB-backup";

#[test]
fn focus_on_the_pool_shows_everything_that_hangs_on_it() {
    let tree = testdata("incident");
    let v = graph_json(&tree, &["--focus", POOL]);
    assert_eq!(v["format"], "pvelint-graph");
    assert_eq!(v["version"], 1);
    assert_eq!(v["focus"], serde_json::json!([POOL]));
    let objects = ids(&v);
    for want in [
        "node:fun-bedbug",
        "node:still-fawn",
        POOL,
        "guest:106",
        "guest:113",
        "guest:120",
        "job:backup-ff3d789f-f52b",
        "vzdump-conf:fun-bedbug",
    ] {
        assert!(objects.contains(&want), "{want} in {objects:?}");
    }
    // VM 101 has nothing on the pool: out of reach (local-lvm is a hub).
    assert!(!objects.contains(&"guest:101"), "{objects:?}");
    // The pool on fun-bedbug.
    assert_eq!(edges(&v, POOL, "node:fun-bedbug")[0]["kind"], "available-on");
    // CTs 106 and 113: mp0 (backup=1), fragile, with their findings.
    for (ct, codes) in [("guest:106", &["G105", "G106"][..]), ("guest:113", &["G105"][..])] {
        let e = edges(&v, ct, POOL);
        assert_eq!(e.len(), 1, "{ct}");
        assert_eq!(e[0]["label"], "mp0 (backup=1)");
        assert_eq!(e[0]["fragile"], true);
        let mut got = edge_codes(&v, e[0]);
        got.sort();
        assert_eq!(got, codes);
    }
    // CT 120 on still-fawn, its mp0 not in backups (not fragile), G103 on it.
    assert_eq!(edges(&v, "guest:120", "node:still-fawn")[0]["kind"], "on");
    let e120 = edges(&v, "guest:120", POOL);
    assert_eq!((e120[0]["label"].as_str(), e120[0]["fragile"].as_bool()), (Some("mp0"), Some(false)));
    assert_eq!(edge_codes(&v, e120[0]), ["G103"]);
    // fun-bedbug's tmpdir inside the pool: fragile, V102 and V103.
    let t = edges(&v, "vzdump-conf:fun-bedbug", POOL);
    assert_eq!((t[0]["label"].as_str(), t[0]["fragile"].as_bool()), (Some("tmpdir"), Some(true)));
    assert_eq!(edge_codes(&v, t[0]), ["V102", "V103"]);
    // The job selects 106 and 113 (all guests), excludes 120, writes to `local`.
    let job = "job:backup-ff3d789f-f52b";
    assert_eq!(edges(&v, job, "guest:106")[0]["kind"], "selects");
    assert_eq!(edges(&v, job, "guest:113")[0]["kind"], "selects");
    assert_eq!(edges(&v, job, "guest:120")[0]["kind"], "excludes");
    assert_eq!(edges(&v, job, "storage:local")[0]["kind"], "target");
    let job_obj = v["objects"].as_array().unwrap().iter().find(|o| o["id"] == job).unwrap();
    let codes: Vec<&str> = job_obj["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| v["findings"][i.as_u64().unwrap() as usize]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["J109", "J108"]);
    // Every finding of `check` about what hangs on the pool is in the picture, attached
    // where its span is (corosync.conf's quorum finding is about every node, out of reach).
    let check: Value = serde_json::from_str(&run(&tree, &["check", ".", "--format", "json"], 1)).unwrap();
    let about_pool =
        check["diagnostics"].as_array().unwrap().iter().filter(|d| d["path"] != "pve/corosync.conf").count();
    assert_eq!(v["findings"].as_array().unwrap().len(), about_pool);
    assert!(v["findings"].as_array().unwrap().iter().all(|f| !f["object"].is_null() || !f["edge"].is_null()));
    assert_eq!(v["codes"]["G105"]["count"], 2);
}

#[test]
fn the_svg_draws_the_focused_incident() {
    let tree = testdata("incident");
    let svg = run(&tree, &["graph", ".", "--focus", POOL, "--format", "svg"], 0);
    assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"));
    for want in [
        "data-id=\"storage:local-3TB-backup\"",
        "data-id=\"node:fun-bedbug\"",
        "CT 106 homebridge",
        "CT 113 jellyfin",
        "CT 120 frigate",
        "mp0 (backup=1), fragile",
        "job backup-ff3d789f-f52b",
        "tmpdir, fragile",
        "vzdump.conf of fun-bedbug",
    ] {
        assert!(svg.contains(want), "{want}");
    }
    // Fragile edges are dashed: the two mp0 and the tmpdir.
    assert_eq!(
        svg.matches("class=\"edge sev-warning fragile\"").count()
            + svg.matches("class=\"edge sev-error fragile\"").count(),
        3
    );
    assert_eq!(svg.matches("stroke-dasharray").count(), 3);
}

#[test]
fn snapshots_of_the_incident_and_the_what_if_cases() {
    let inc = testdata("incident");
    for format in ["dot", "mermaid", "json"] {
        let whole = run(&inc, &["graph", ".", "--format", format], 0);
        insta::assert_snapshot!(format!("incident_graph_{format}"), whole);
        let focused = run(&inc, &["graph", ".", "--focus", POOL, "--format", format], 0);
        insta::assert_snapshot!(format!("incident_focus_{format}"), focused);
    }
    let md = run(&inc, &["check", ".", "--format", "markdown"], 1);
    insta::assert_snapshot!("incident_markdown", md);
    let before = testdata("what-if/incident-before");
    let retire = testdata("what-if/retire-node");
    for (name, tree, change) in [
        ("move_storage", &before, ["--move-storage", "local-3TB-backup=still-fawn"]),
        ("retire_node", &retire, ["--remove-node", "pve3"]),
    ] {
        for format in ["dot", "mermaid", "json"] {
            let mut args = vec!["graph", ".", "--format", format];
            args.extend(change);
            insta::assert_snapshot!(format!("whatif_{name}_graph_{format}"), run(tree, &args, 0));
        }
        let mut args = vec!["what-if", ".", "--format", "markdown"];
        args.extend(change);
        insta::assert_snapshot!(format!("whatif_{name}_markdown"), run(tree, &args, 1));
    }
}

#[test]
fn what_if_highlights_what_the_change_breaks() {
    let tree = testdata("what-if/incident-before");
    let change = ["--move-storage", "local-3TB-backup=still-fawn"];
    let mut args = vec!["graph", ".", "--format", "json"];
    args.extend(change);
    let v: Value = serde_json::from_str(&run(&tree, &args, 0)).unwrap();
    let introduced: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["introduced"] == true)
        .map(|f| (f["code"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    for want in [
        ("G103", "pve/nodes/fun-bedbug/lxc/106.conf"),
        ("G103", "pve/nodes/fun-bedbug/lxc/113.conf"),
        ("V101", "vzdump.conf"),
    ] {
        assert!(introduced.contains(&want), "{want:?} in {introduced:?}");
    }
    // After the move the pool is available on still-fawn only.
    assert_eq!(edges(&v, POOL, "node:still-fawn").len(), 1);
    assert!(edges(&v, POOL, "node:fun-bedbug").is_empty());
    // what-if --format html: the picture after the change, the breaks drawn as new.
    let mut args = vec!["what-if", ".", "--format", "html"];
    args.extend(change);
    let html = run(&tree, &args, 1);
    assert!(html
        .contains("What if storage &#39;local-3TB-backup&#39; becomes available only on node &#39;still-fawn&#39;?"));
    assert!(
        html.contains("class=\"edge sev-error new\"") || html.contains("class=\"edge sev-error fragile new\""),
        "{html}"
    );
    assert!(html.contains("<tr class=\"sev-error new\""));
}

#[test]
fn every_format_is_deterministic_and_the_html_names_no_address() {
    let tree = testdata("incident");
    for format in ["dot", "mermaid", "json", "svg", "html"] {
        let a = run(&tree, &["graph", ".", "--format", format], 0);
        let b = run(&tree, &["graph", ".", "--format", format], 0);
        assert_eq!(a, b, "{format}");
    }
    for html in [run(&tree, &["graph", ".", "--format", "html"], 0), run(&tree, &["check", ".", "--format", "html"], 1)]
    {
        let lower = html.to_ascii_lowercase();
        for bad in ["http:", "https:", "//", "src=", "href=", "url(", "@import", "xmlns"] {
            let hits: Vec<usize> = lower.match_indices(bad).map(|(i, _)| i).collect();
            // (The CSP's own header name is `http-equiv`, which is not `http:`.)
            assert!(hits.is_empty(), "{bad} in the HTML at {hits:?}");
        }
        assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none';"));
        assert_eq!(html.matches("<script").count(), 1);
    }
}

#[test]
fn hostile_values_are_escaped_in_every_format() {
    let evil = "x\"];evil[\"<script>alert(1)</script>`\\l|-->&amp;@here";
    let guest = format!("hostname: {evil}\nrootfs: local:100/vm-100-disk-0.raw\n");
    let d = tree_of(&[
        ("storage.cfg", "dir: local\n\tpath /var/lib/vz\n\tcontent iso,backup,rootdir\n"),
        ("corosync.conf", "nodelist {\n  node {\n    name: a\n    nodeid: 1\n  }\n}\n"),
        ("nodes/a/lxc/100.conf", &guest),
    ]);
    let dot = run(d.path(), &["graph", ".", "--format", "dot"], 0);
    // Every quote inside a DOT string is escaped: unescaped quotes pair up per line.
    for line in dot.lines() {
        let unescaped = line.replace("\\\\", "").replace("\\\"", "");
        assert_eq!(unescaped.matches('"').count() % 2, 0, "{line}");
    }
    assert!(dot.contains("x\\\"];evil[\\\"<script>"));
    let mermaid = run(d.path(), &["graph", ".", "--format", "mermaid"], 0);
    for bad in ["<script", "\"];", "`", "|-->", "&amp;"] {
        assert!(!mermaid.contains(bad), "{bad} in {mermaid}");
    }
    for format in ["svg", "html"] {
        let out = run(d.path(), &["graph", ".", "--format", format], 0);
        assert!(!out.contains("<script>alert"), "{format}");
        assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{format}");
    }
    let v = graph_json(d.path(), &[]);
    assert!(v["objects"].as_array().unwrap().iter().any(|o| o["label"].as_str() == Some(&format!("CT 100 {evil}"))));
}

#[test]
fn focus_kinds_and_errors() {
    let tree = testdata("incident");
    for (focus, must) in [
        ("node:fun-bedbug", "guest:106"),
        ("guest:106", "job:backup-ff3d789f-f52b"),
        ("job:backup-ff3d789f-f52b", "storage:local"),
        ("vzdump-conf:fun-bedbug", POOL),
    ] {
        let v = graph_json(&tree, &["--focus", focus]);
        assert!(ids(&v).contains(&must), "{focus}: {must}");
    }
    // A focused `all` job reaches every guest it selects, and what they use.
    let v = graph_json(&tree, &["--focus", "job:backup-ff3d789f-f52b"]);
    for g in ["guest:101", "guest:106", "guest:113"] {
        assert_eq!(edges(&v, "job:backup-ff3d789f-f52b", g)[0]["kind"], "selects", "{g}");
    }
    assert_eq!(edges(&v, "job:backup-ff3d789f-f52b", "guest:120")[0]["kind"], "excludes");
    assert!(ids(&v).contains(&POOL));
    // guest:106 does not pull in VM 101 (they share only hubs).
    assert!(!ids(&graph_json(&tree, &["--focus", "guest:106"])).contains(&"guest:101"));
    let out = pvelint(&["graph", ".", "--focus", "storage:nope"], &tree);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no object 'storage:nope'"));
}

#[test]
fn the_markdown_summary() {
    let tree = testdata("incident");
    let md = run(&tree, &["check", ".", "--format", "markdown"], 1);
    assert!(md.contains("**1 error**, **8 warnings**, **0 infos** in 9 files checked."), "{md}");
    assert!(md.contains("| [G105](https://github.com/pvelint/pvelint/blob/v"), "{md}");
    assert!(md.contains("| 2 |"));
    assert!(
        md.contains("**pve/nodes/fun\\-bedbug/lxc/106.conf**") || md.contains("**pve/nodes/fun-bedbug/lxc/106.conf**")
    );
    assert!(md.contains("- line 6: error [G106]"));
    assert!(md.contains("```mermaid\nflowchart LR\n"));
    assert!(md.contains("mp0 (backup=1), fragile"));
    // Values are escaped: Markdown punctuation of messages carries a backslash.
    assert!(md.contains("schedule '2\\:30,22\\:30'\\)"), "{md}");
}

/// A generated tree with many findings: the summary's graph is capped, and the graph's
/// output grows no faster than the tree (×4 guests: at most ×6 bytes, as tests/scaling.rs).
#[test]
fn output_is_bounded_by_the_tree() {
    let sizes = [200usize, 800];
    let mut bytes: Vec<(usize, usize, usize)> = Vec::new();
    for &n in &sizes {
        let d = tempfile::tempdir().unwrap();
        let mut p = pvelint_gen::Params::scaled(n, 7);
        p.broken_share = 0.3;
        let g = pvelint_gen::generate(&p);
        g.write(d.path()).unwrap();
        let mut args: Vec<String> = vec!["graph".into(), "pve".into(), "--format".into(), "json".into()];
        for (node, _) in &g.vzdump_confs {
            args.push("--vzdump-conf".into());
            args.push(format!("{node}=vzdump/{node}.conf"));
        }
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let json = run(d.path(), &a, 0);
        let v: Value = serde_json::from_str(&json).unwrap();
        let dot_args: Vec<&str> = a.iter().map(|x| if *x == "json" { "dot" } else { x }).collect();
        let dot = run(d.path(), &dot_args, 0);
        bytes.push((g.bytes(), json.len(), dot.len()));
        // Every guest is one object.
        assert_eq!(v["objects"].as_array().unwrap().iter().filter(|o| o["kind"] == "guest").count(), n);
        let md = run(d.path(), &["check", "pve", "--format", "markdown", "--exit-zero"], 0);
        let mermaid = md.split("```mermaid").nth(1).unwrap().split("```").next().unwrap();
        let shown = mermaid.lines().filter(|l| l.trim_start().starts_with('n') && l.contains(":::")).count();
        assert!(shown <= 30, "{shown}");
        assert!(md.contains(" more that findings touch (`pvelint graph --focus KIND:ID` draws them)."), "capped");
    }
    let (t0, j0, d0) = bytes[0];
    let (t1, j1, d1) = bytes[1];
    let tree_growth = t1 as f64 / t0 as f64;
    for (name, a, b) in [("json", j0, j1), ("dot", d0, d1)] {
        let growth = b as f64 / a as f64;
        assert!(growth <= 1.5 * tree_growth, "{name}: ×{growth:.2} for a tree ×{tree_growth:.2}");
    }
}

/// With node facts, a restricted pool points at the nodes where it is really imported:
/// here `nodes pve1` while only pve2's facts show the pool (N102's case).
#[test]
fn facts_show_where_a_pool_is_imported() {
    let tree = testdata("rules/N102/fail_pool_moved");
    let v = graph_json(&tree, &["--focus", "storage:usb"]);
    let imported = edges(&v, "storage:usb", "node:pve2");
    assert_eq!(imported.len(), 1);
    assert_eq!(imported[0]["kind"], "imported");
    let listed = edges(&v, "storage:usb", "node:pve1");
    assert_eq!(listed.iter().map(|e| e["kind"].as_str().unwrap()).collect::<Vec<_>>(), ["available-on"]);
    assert_eq!(edge_codes(&v, listed[0]), ["N102"]);
    // Without the facts there is nothing to show.
    let bare = graph_json(&tree.join("pve"), &["--focus", "storage:usb"]);
    assert!(edges(&bare, "storage:usb", "node:pve2").is_empty());
}

/// Graphviz itself reads the DOT output (the incident, the what-if case and hostile
/// values), when `dot` is installed (`.ci/run` installs graphviz; elsewhere the test says
/// it did not run, and fails under CI).
#[test]
fn graphviz_reads_the_dot_output() {
    let Some(dot) = ["/usr/bin/dot", "/usr/local/bin/dot"].iter().map(Path::new).find(|p| p.is_file()) else {
        let msg = "graphviz's dot not found (apt-get install graphviz): the DOT output was not checked by Graphviz";
        assert!(std::env::var_os("CI").is_none(), "{msg}; under CI it must run");
        println!("SKIPPED: {msg}");
        return;
    };
    let d = tree_of(&[
        ("storage.cfg", "dir: local\n\tpath /var/lib/vz\n\tcontent iso,backup,rootdir\n"),
        ("nodes/a/lxc/100.conf", "hostname: x\"] ; y [label=\"\\N\\l{}<>|\nrootfs: local:100/vm-100-disk-0.raw\n"),
    ]);
    let cases: [(PathBuf, Vec<&str>); 3] = [
        (testdata("incident"), vec![]),
        (testdata("what-if/incident-before"), vec!["--move-storage", "local-3TB-backup=still-fawn"]),
        (d.path().to_path_buf(), vec![]),
    ];
    for (tree, extra) in cases {
        let mut args = vec!["graph", ".", "--format", "dot"];
        args.extend(extra);
        let text = run(&tree, &args, 0);
        let mut child = Command::new(dot)
            .args(["-Tsvg", "-o", "/dev/null"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), text.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}: {}\n{text}", tree.display(), String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

/// Resource mappings and SDN vnets are objects: a guest uses them, they reach the nodes
/// that have an entry (mappings) or the zone's nodes (vnets); a mapping finding sits on
/// the guest's edge to it.
#[test]
fn mappings_and_vnets_are_drawn() {
    let v = graph_json(&testdata("healthy"), &[]);
    assert_eq!(edges(&v, "guest:101", "mapping:pci:gpu")[0]["label"], "hostpci0");
    assert_eq!(edges(&v, "guest:201", "vnet:labnet")[0]["label"], "net1");
    for n in ["node:pve1", "node:pve2"] {
        assert_eq!(edges(&v, "mapping:pci:gpu", n)[0]["kind"], "available-on");
    }
    assert!(edges(&v, "mapping:pci:gpu", "node:pve3").is_empty());
    // A VM moved to a node without an entry: its X102 is on its edge to the mapping.
    let tree = testdata("what-if/mapped-guest");
    let v = graph_json(&tree, &["--move-guest", "100=pve3"]);
    let e = edges(&v, "guest:100", "mapping:pci:gpu");
    assert_eq!(edge_codes(&v, e[0]), ["X102"]);
    let e = edges(&v, "guest:100", "vnet:web");
    assert_eq!(edge_codes(&v, e[0]), ["D105"]);
}
