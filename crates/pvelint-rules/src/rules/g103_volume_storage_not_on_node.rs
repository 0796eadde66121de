//! G103: a guest volume on a storage that `nodes` keeps away from the guest's node.

use crate::context::{Context, StorageStatus};
use crate::wording::{backup_note, volume_severity};
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    VolumeStorageNotOnNode,
    "G103",
    "volume-storage-not-on-node",
    Error,
    "A guest volume is on a storage that storage.cfg restricts to other nodes than the guest's."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for v in ctx.volumes().filter(|v| v.is_volume()) {
        let node = &v.guest.node;
        let StorageStatus::NotOnNode(nodes_span) = ctx.volume_status(&v) else { continue };
        let Some(sid) = v.storage_id() else { continue };
        let listed: Vec<String> =
            v.storage.and_then(|s| s.nodes.as_ref()).map(|n| n.value.iter().cloned().collect()).unwrap_or_default();
        let listed = if listed.is_empty() { "no node".to_string() } else { crate::wording::quote_nodes(&listed) };
        out.push(
            META.at(
                sid.span,
                format!(
                    "{}{} is on storage '{}', but {} is on node '{node}' and storage.cfg makes '{}' available only on {listed}",
                    v.describe(),
                    backup_note(v),
                    sid.value,
                    v.guest.label(),
                    sid.value
                ),
            )
            .with_severity(volume_severity(v))
            .with_label(nodes_span, format!("restricted to {listed} here"))
            .with_help(format!(
                "if the storage now lives on '{node}', update `nodes` in storage.cfg; otherwise move the volume or the guest"
            ))
            .with_object(format!("guest:{}", v.guest.vmid))
            .with_key(v.key()),
        );
    }
}
