//! J104: a backup job restricted with `node` to a name that is not a cluster node.

use crate::context::Context;
use pvelint_parse::{Diagnostic, Severity};

crate::declare_rule!(
    JobNodeUnknown,
    "J104",
    "job-node-unknown",
    Error,
    "A backup job's `node` is not a node of the cluster, so the job never runs anywhere."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(nodes) = &ctx.nodes else { return };
    let Some(jobs) = &ctx.tree.jobs else { return };
    let known = pvelint_parse::text::quoted(nodes);
    for job in jobs.vzdump_jobs() {
        let Some(node) = job.node() else { continue };
        if nodes.contains(&node.value) {
            continue;
        }
        let state = if job.enabled { "" } else { " (the job is disabled now)" };
        let mut d = META
            .at(
                node.span,
                format!(
                    "backup job '{}' is restricted to node '{}', which is not a node of this cluster ({known}); pvescheduler starts the job only on the node with exactly that name, so it never runs anywhere, and nothing reports it{state}",
                    job.id.value, node.value
                ),
            )
            .with_object(job.object())
            .with_key("node");
        let same_case = nodes.iter().find(|n| n.eq_ignore_ascii_case(&node.value));
        d = match same_case {
            Some(n) => d.with_help(format!("node names are compared case-sensitively: write 'node {n}'")),
            None => d.with_help("set `node` to an existing node, or remove the line to run the job on every node"),
        };
        if !job.enabled {
            d = d.with_severity(Severity::Warning);
        }
        out.push(d);
    }
}
