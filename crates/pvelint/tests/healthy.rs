//! Precision: a healthy three-node cluster (node-local pools, bind mounts without backup,
//! VM disks with backup=0, ISOs on shared storage, HA, several jobs, PCI and directory
//! mappings with an entry for each node their VMs use, an applied SDN vnet, a firewall with
//! IP sets, aliases and a security group, notifications with a relay for backup failures)
//! comes out clean.

use std::path::Path;
use std::process::Command;

#[test]
fn a_healthy_cluster_is_clean() {
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/healthy");
    let out = Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(["check", "--format", "json", "--isolated"])
        .arg(&tree)
        .output()
        .expect("run pvelint");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"].as_array().map(Vec::len), Some(0), "{}", serde_json::to_string_pretty(&v).unwrap());
    let on_disk = walkdir::WalkDir::new(&tree)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.file_name() != ".members")
        .count();
    assert_eq!(
        v["summary"]["files"], on_disk,
        "every config file was read (.members only names the local node), the vzdump.conf beside pve/ included"
    );
    assert_eq!(out.status.code(), Some(0));
}
