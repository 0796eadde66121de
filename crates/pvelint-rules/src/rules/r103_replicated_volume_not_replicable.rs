//! R103: a guest with a replication job has a volume that replication cannot copy: on a
//! local storage other than zfspool, and not excluded with `replicate=0`.

use crate::context::Context;
use pvelint_parse::storage::StorageType;
use pvelint_parse::{Diagnostic, Severity};

crate::declare_rule!(
    ReplicatedVolumeNotReplicable,
    "R103",
    "replicated-volume-not-replicable",
    Error,
    "A replicated guest has a volume on a local storage that is not a zfspool, without replicate=0."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(repl) = &ctx.tree.replication else { return };
    for job in &repl.jobs {
        let Some(g) = job.guest.and_then(|v| ctx.guest(v)) else { continue };
        for v in ctx.replicated_volumes(g) {
            let key = v.key();
            let Some(s) = v.storage else { continue };
            if s.shared.value || s.kind == StorageType::ZfsPool || matches!(s.kind, StorageType::Foreign(_)) {
                continue;
            }
            let sev = if job.disabled { Severity::Warning } else { Severity::Error };
            out.push(
                META.at(
                    v.vol.value,
                    format!(
                        "{} is on storage '{}' ({}), which cannot be replicated: replication job '{}' of {} fails every run (\"missing replicate feature on volume\"){}",
                        v.describe(),
                        s.id,
                        s.kind,
                        job.id.value,
                        g.label(),
                        if job.disabled { " once it is enabled" } else { "" }
                    ),
                )
                .with_severity(sev)
                .with_label(job.id.span, "replication job")
                .with_help(format!(
                    "move the volume to a zfspool storage that also exists on the target node, or add replicate=0 to {key} to leave it out of replication"
                ))
                .with_object(format!("guest:{}", g.vmid))
                .with_key(key),
            );
        }
    }
}
