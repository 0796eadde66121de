//! S108: an LVM storage's `base` names a storage that is missing, disabled, not iSCSI or
//! not available on a node of the LVM storage: every activation of the LVM storage fails
//! there.

use crate::context::{Context, StorageStatus};
use pvelint_parse::storage::{Storage, StorageType};
use pvelint_parse::{Diagnostic, Spanned};

crate::declare_rule!(
    LvmBaseStorageUnusable,
    "S108",
    "lvm-base-storage-unusable",
    Error,
    "An LVM storage's base names a storage that is missing, disabled, not iSCSI or not available on a node of the LVM storage: every activation of the LVM storage fails there."
);

fn message(lvm: &Storage, base: &Spanned<String>, why: &str, on: &str) -> String {
    format!(
        "LVM storage '{}' sits on base '{}', but {why}: pve-storage activates the base storage first, so every activation of '{}'{on} fails, and with it every guest start, migration and backup that touches its volumes",
        lvm.id, base.value, lvm.id
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for lvm in ctx.tree.storage.iter().filter(|s| s.kind == StorageType::Lvm && s.usable && !s.is_disabled()) {
        let Some(base) = lvm.section.as_ref().and_then(|s| s.get("base")) else { continue };
        let id = base.value.split_once(':').map_or(base.value.as_str(), |(id, _)| id);
        // The nodes the LVM storage is used on: its `nodes` (sorted), else every cluster
        // node (the shared list, not a copy per storage).
        let listed: Vec<String>;
        let nodes: &[String] = match &lvm.nodes {
            Some(n) => {
                listed = n.value.iter().cloned().collect();
                &listed
            }
            None => ctx.all_job_nodes(),
        };
        let (why, on, label) = match ctx.storage(id) {
            None => (format!("storage.cfg does not define storage '{id}'"), String::new(), None),
            Some(b) if !b.usable => (format!("storage '{id}' has a definition Proxmox cannot use"), String::new(), None),
            Some(b) if !matches!(b.kind, StorageType::Iscsi) => {
                (format!("storage '{id}' is of type {}, not iscsi", b.kind), String::new(), b.header.map(|h| (h, "not an iSCSI storage")))
            }
            Some(b) => match ctx.unavailable_on(b, nodes) {
                None => continue,
                Some((StorageStatus::Disabled(l), _)) => (format!("storage '{id}' is disabled"), String::new(), Some((l, "disabled here"))),
                Some((StorageStatus::NotOnNode(l), bad)) => (
                    format!("storage '{id}' is not available on {}", bad.quote()),
                    format!(" on {}", bad.quote()),
                    Some((l, "restricted to other nodes here")),
                ),
                Some((_, bad)) => (format!("storage '{id}' cannot be used"), format!(" on {}", bad.quote()), None),
            },
        };
        let mut d = META
            .at(base.span, message(lvm, base, &why, &on))
            .with_help(format!("point `base` at the iSCSI storage that exports this LUN on every node of '{}', or make '{id}' available there", lvm.id))
            .with_object(format!("storage:{}", lvm.id))
            .with_key("base");
        if let Some((l, m)) = label {
            d = d.with_label(l, m);
        }
        out.push(d);
    }
}
