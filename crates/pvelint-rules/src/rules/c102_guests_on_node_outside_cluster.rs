//! C102: guest configs under `nodes/<dir>` of a node that is not in the cluster.

use crate::context::Context;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    GuestsOnNodeOutsideCluster,
    "C102",
    "guests-on-node-outside-cluster",
    Warning,
    "A guest config lives under nodes/<dir> of a node that is not a cluster node: no node runs or backs it up."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(source) = ctx.node_list_source() else { return };
    for g in &ctx.tree.guests {
        if !ctx.node_unknown(&g.node) {
            continue;
        }
        let path = &ctx.tree.file(g.file).path;
        let mut d = META
            .at(
                ctx.guest_anchor(g),
                format!(
                    "{} is configured in {path}, but '{}' is not a cluster node ({}); no running node owns this guest, so nothing starts it and no node's backup jobs, HA or replication act on it",
                    g.label(),
                    g.node,
                    source.note
                ),
            )
            .with_help(format!(
                "if '{}' was removed or renamed, move the config into the directory of the node that now has the guest's disks, or delete it if the guest is gone",
                g.node
            ))
            .with_object(format!("guest:{}", g.vmid));
        if let Some(span) = source.span {
            d = d.with_label(span, "the cluster's nodes are listed here");
        }
        out.push(d);
    }
}
