//! The layouts repositories commit (`testdata/layouts/`): top-level `lxc/`,
//! `qemu-server/` and `local/` directories (copies of the links of `/etc/pve`) read as the
//! local node's guests, and how that node is found.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/layouts").join(name)
}

fn load(name: &str) -> pvelint_parse::Tree {
    let layout = pvelint::discover::find_layout(&case(name)).expect("a tree");
    let (input, _) = pvelint::discover::read_tree(&layout);
    pvelint_parse::load(input)
}

fn check(name: &str, extra: &[&str]) -> (serde_json::Value, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pvelint"));
    c.args(["check", "--format", "json"]).arg(case(name)).args(extra);
    let out: Output = c.output().expect("run pvelint");
    let v = serde_json::from_slice(&out.stdout).expect("JSON");
    (v, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect()
}

#[test]
fn top_level_guest_directories_are_read_on_a_placeholder_node() {
    let tree = load("top_level_only");
    let guests: Vec<(u32, &str)> = tree.guests.iter().map(|g| (g.vmid, g.node.as_str())).collect();
    assert_eq!(guests, [(100, "<local>"), (101, "<local>"), (102, "<local>")]);
    assert_eq!(tree.local_guest_dirs, ["lxc/", "qemu-server/"]);
    let (v, err) = check("top_level_only", &["--isolated"]);
    let codes = codes(&v);
    // The shared volume is found; the storage restricted to pve1 is not held against
    // the unknown node.
    assert!(codes.contains(&"G106".to_string()), "{codes:?}");
    assert!(!codes.contains(&"G103".to_string()), "{codes:?}");
    assert!(v["summary"]["layout"].as_str().unwrap().contains("top-level lxc/, qemu-server/"), "{v}");
    assert!(v["summary"]["node"].as_str().unwrap().starts_with("unknown"), "{v}");
    assert!(err.contains("were not checked against the node"), "{err}");
}

#[test]
fn a_copy_with_the_same_bytes_is_one_guest() {
    let tree = load("copy_beside_nodes");
    let guests: Vec<(u32, &str)> = tree.guests.iter().map(|g| (g.vmid, g.node.as_str())).collect();
    assert_eq!(guests, [(100, "pve1"), (102, "pve1")]);
    assert_eq!(tree.local_guest_copies, 3);
    let (v, _) = check("copy_beside_nodes", &["--isolated"]);
    assert!(!codes(&v).contains(&"C101".to_string()), "{v}");
    assert_eq!(v["summary"]["files"], 6);
    assert_eq!(v["summary"]["node"], "'pve1' (from the only directory under nodes/)");
}

#[test]
fn a_one_node_corosync_conf_names_the_node() {
    let tree = load("one_node_corosync");
    assert_eq!(tree.guests[0].node, "pve2");
    assert_eq!(tree.local_node_source.as_deref(), Some("corosync.conf (a one-node cluster)"));
    // The storage is restricted to pve1: now that the node is known, it is checked.
    let (v, _) = check("one_node_corosync", &["--isolated"]);
    assert!(codes(&v).contains(&"G103".to_string()), "{v}");
}

#[test]
fn the_node_can_be_named() {
    let (v, _) = check("node_from_config", &[]);
    assert_eq!(v["summary"]["node"], "'pve2' (from `node` in pvelint.yaml)");
    assert!(codes(&v).contains(&"G103".to_string()), "{v}");
    let (v, _) = check("node_from_config", &["--node", "pve1"]);
    assert_eq!(v["summary"]["node"], "'pve1' (from --node)");
    assert!(!codes(&v).contains(&"G103".to_string()), "{v}");
    let mut c = Command::new(env!("CARGO_BIN_EXE_pvelint"));
    let out = c.args(["check", "--show-config"]).arg(case("node_from_config")).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("node: pve2"));
}

#[test]
fn a_local_directory_names_the_node_it_repeats() {
    let tree = load("local_dir_two_nodes");
    let guests: Vec<(u32, &str)> = tree.guests.iter().map(|g| (g.vmid, g.node.as_str())).collect();
    assert_eq!(guests, [(100, "pve1"), (101, "pve2")]);
    assert_eq!(tree.local_node.as_deref(), Some("pve1"));
    assert_eq!(tree.local_node_source.as_deref(), Some("the top-level copies match nodes/pve1/"));
    assert_eq!(tree.local_guest_copies, 1);
}
