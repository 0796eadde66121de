//! S109: a Ceph storage that Proxmox manages (no `monhost`) relies on ceph.conf, whose
//! `[global]` section names no `mon_host`: CephFS mounts fail and clients find no monitor.

use crate::context::Context;
use pvelint_parse::storage::StorageType;
use pvelint_parse::{Diagnostic, Severity};

crate::declare_rule!(
    CephMonHostMissing,
    "S109",
    "ceph-mon-host-missing",
    Error,
    "A Ceph storage that Proxmox manages (no monhost) relies on ceph.conf, whose [global] section names no mon_host: CephFS mounts fail and clients find no monitor."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // Without ceph.conf in the tree (a partial copy) nothing is known about it.
    let Some(conf) = &ctx.tree.ceph_conf else { return };
    if conf.get("global", "mon_host").is_some() {
        return;
    }
    let spelled = ["mon-host", "mon.host", "Mon_Host"].iter().find_map(|k| conf.get("global", k).map(|v| (*k, v)));
    let managed = ctx.tree.storage.iter().filter(|s| {
        matches!(s.kind, StorageType::Rbd | StorageType::CephFs)
            && s.usable
            && !s.is_disabled()
            && s.section.as_ref().is_some_and(|sec| sec.get("monhost").is_none())
    });
    for s in managed {
        let Some(header) = s.header else { continue };
        let cephfs = s.kind == StorageType::CephFs;
        // Ceph's own clients (librados, for RBD) treat `mon-host` and `mon_host` alike;
        // only Proxmox's reader, which the CephFS mount uses, does not.
        if !cephfs && spelled.is_some() {
            continue;
        }
        let effect = if cephfs {
            "the kernel mount of a CephFS storage takes its monitors from `[global] mon_host` (and `mon_addr` of `[mon.*]`, which Proxmox does not write), so the server list is empty and the mount fails on every node"
        } else {
            "the RBD client (librados) finds no monitor address in it, and Proxmox's upgrade checker warns that every monitor address belongs there (\"No 'mon_host' entry found in ceph config\")"
        };
        let how = match spelled {
            Some((k, _)) => format!("ceph.conf writes `{k}`, which Proxmox's reader keeps as another key (it looks up `mon_host` only)"),
            None => "ceph.conf's [global] section has no `mon_host`".to_string(),
        };
        let mut d = META
            .at(header, format!("{} storage '{}' has no `monhost`, so it uses /etc/pve/ceph.conf, but {how}: {effect}", s.kind, s.id))
            .with_help("add `mon_host = <monitor IPs>` to the [global] section of ceph.conf (`pveceph mon create` writes it), or set `monhost` on the storage for an external cluster")
            .with_object(format!("storage:{}", s.id))
            .with_key("monhost");
        if let Some((_, v)) = spelled {
            d = d.with_label(v.span, "not read as mon_host");
        } else if let Some(g) = conf.headers.get("global") {
            d = d.with_label(*g, "no mon_host in this section");
        }
        if !cephfs {
            d = d.with_severity(Severity::Warning);
        }
        out.push(d);
    }
}
