//! R102: a replication job whose target is not a cluster node, or is the node the guest
//! is on.

use crate::context::Context;
use pvelint_parse::{Diagnostic, Severity};

crate::declare_rule!(
    ReplicationTargetInvalid,
    "R102",
    "replication-target-invalid",
    Error,
    "A replication job's target is not a cluster node, or is the guest's own node."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(repl) = &ctx.tree.replication else { return };
    let source = ctx.node_list_source();
    for job in &repl.jobs {
        let Some(target) = &job.target else { continue };
        let guest = job.guest.and_then(|v| ctx.guest(v));
        let sev = if job.disabled { Severity::Warning } else { Severity::Error };
        let disabled = if job.disabled { " (the job is disabled)" } else { "" };
        if let (true, Some(src)) = (ctx.node_unknown(&target.value), &source) {
            let mut d = META
                .at(
                    target.span,
                    format!(
                        "replication job '{}' targets node '{}', which is not a cluster node ({}); every run fails and the guest's data is not replicated anywhere{disabled}",
                        job.id.value, target.value, src.note
                    ),
                )
                .with_severity(sev)
                .with_help("set `target` to an existing node (names are case-sensitive), or remove the job")
                .with_object(format!("replication:{}", job.id.value))
                .with_key("target");
            if let Some(span) = src.span {
                d = d.with_label(span, "the cluster's nodes are listed here");
            }
            out.push(d);
            continue;
        }
        let Some(g) = guest else { continue };
        if g.node != target.value {
            continue;
        }
        out.push(
            META.at(
                target.span,
                format!(
                    "replication job '{}' targets node '{}', but {} is on '{}' itself; a guest cannot be replicated to its own node, so every run fails and no copy exists on another node{disabled}",
                    job.id.value,
                    target.value,
                    g.label(),
                    g.node
                ),
            )
            .with_severity(sev)
            .with_label(ctx.guest_anchor(g), format!("{} is on node '{}'", g.label(), g.node))
            .with_help("set `target` to another node that should hold the replica")
            .with_object(format!("replication:{}", job.id.value))
            .with_key("target"),
        );
    }
}
