//! R101: a replication job for a VMID that has no guest config.

use crate::context::Context;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    ReplicationGuestUndefined,
    "R101",
    "replication-guest-undefined",
    Warning,
    "A replication job belongs to a VMID that has no guest config on any node."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(repl) = &ctx.tree.replication else { return };
    // A tree without any guest config is a partial copy (no nodes/ directory): whether a
    // guest exists cannot be told.
    for job in &repl.jobs {
        let Some(vmid) = job.guest else { continue };
        if ctx.guest(vmid).is_some() {
            continue;
        }
        out.push(
            META.at(
                job.id.span,
                format!(
                    "replication job '{}' replicates guest {vmid}, but no node has a config for VMID {vmid}; no node runs the job (each node replicates only its own guests), so it replicates nothing{}",
                    job.id.value,
                    if job.disabled { " (it is disabled anyway)" } else { "" }
                ),
            )
            .with_help(format!(
                "remove the job (`pvesr delete {}`) if the guest is gone, or correct the VMID in the job ID",
                job.id.value
            ))
            .with_object(format!("replication:{}", job.id.value)),
        );
    }
}
