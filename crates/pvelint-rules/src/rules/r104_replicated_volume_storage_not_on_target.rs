//! R104: a replicated volume is on a zfspool storage that storage.cfg does not make
//! available on the replication target node.

use crate::context::{Context, StorageStatus};
use pvelint_parse::storage::StorageType;
use pvelint_parse::{Diagnostic, Severity};

crate::declare_rule!(
    ReplicatedVolumeStorageNotOnTarget,
    "R104",
    "replicated-volume-storage-not-on-target",
    Error,
    "A replicated volume's zfspool storage is not available on the replication target node."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(repl) = &ctx.tree.replication else { return };
    for job in &repl.jobs {
        let Some(target) = &job.target else { continue };
        let Some(g) = job.guest.and_then(|v| ctx.guest(v)) else { continue };
        // An unknown target or the guest's own node is R102's finding.
        if ctx.node_unknown(&target.value) || g.node == target.value {
            continue;
        }
        for v in ctx.replicated_volumes(g) {
            let Some(s) = v.storage else { continue };
            // Only local zfspool volumes are replicated (R103 reports the others).
            if s.shared.value || s.kind != StorageType::ZfsPool || !s.usable {
                continue;
            }
            let StorageStatus::NotOnNode(nodes) = ctx.status_of(Some(s), &target.value) else { continue };
            let sev = if job.disabled { Severity::Warning } else { Severity::Error };
            out.push(
                META.at(
                    v.vol.value,
                    format!(
                        "{} is on storage '{}', which storage.cfg does not make available on node '{}', the target of replication job '{}': every run fails on the target (\"storage '{}' is not available on node '{}'\"), so no replica of {} exists there{}",
                        v.describe(),
                        s.id,
                        target.value,
                        job.id.value,
                        s.id,
                        target.value,
                        g.label(),
                        if job.disabled { " once the job is enabled" } else { "" }
                    ),
                )
                .with_severity(sev)
                .with_label(nodes, format!("'{}' is not listed here", target.value))
                .with_label(target.span, "replication target")
                .with_help(format!(
                    "add '{}' to the nodes of storage '{}' (with a ZFS pool of that name on it), point the job at a node that has the storage, or add replicate=0 to {} to leave it out",
                    target.value,
                    s.id,
                    v.key()
                ))
                .with_object(format!("guest:{}", g.vmid))
                .with_key(v.key()),
            );
        }
    }
}
