//! N101: a storage enabled on a node whose facts show its backing is not there.

use crate::backing::{presence, Presence};
use crate::context::Context;
use crate::Diagnostic;
use pvelint_parse::facts::NodeFacts;

crate::declare_rule!(
    StorageBackingAbsent,
    "N101",
    "storage-backing-absent",
    Error,
    "A storage enabled on a node whose facts show its pool, mount, thin pool or path is not there."
);

fn message(storage: &str, nodes: &[&str], what: &str) -> String {
    let (one, which) = match nodes {
        [node] => (true, format!("node '{node}'")),
        _ => (false, format!("nodes {}", pvelint_parse::text::quoted(nodes))),
    };
    format!(
        "storage '{storage}' is enabled on {which}, but the facts of {} show {what}: every guest volume, backup and upload on it fails there, and a backup job that writes or reads it can hang",
        if one { "that node" } else { "each" }
    )
}

const HELP: &str = "import or mount the backing where it is missing, or take those nodes out of the storage's `nodes` (and move what uses it); if the pool moved to another node, N102 names it";

/// At most this many nodes' facts are labelled; the message names them all (bounded).
const MAX_LABELS: usize = 5;

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in ctx.tree.storage.iter().filter(|s| s.usable && !s.is_disabled()) {
        // A move is N102's finding, with the node the backing went to.
        if crate::rules::n102_storage_backing_on_unlisted_node::moved_to(ctx, s).is_some() {
            continue;
        }
        let Some(anchor) = s.anchor() else { continue };
        // One finding per storage: the nodes where it is absent, and what the first shows.
        let mut absent: Vec<(&str, &NodeFacts, String)> = Vec::new();
        for (node, nf) in &ctx.tree.facts {
            if s.node_allowed(node) {
                if let Presence::Absent(what) = presence(s, nf) {
                    absent.push((node, nf, what));
                }
            }
        }
        let Some((_, _, what)) = absent.first() else { continue };
        let nodes: Vec<&str> = absent.iter().map(|(n, _, _)| *n).collect();
        let mut d = META.at(anchor, message(&s.id, &nodes, what)).with_help(HELP).with_object(s.object());
        for (node, nf, _) in absent.iter().take(MAX_LABELS) {
            d = d.with_label(nf.node_span, format!("facts of node '{node}'"));
        }
        out.push(d);
    }
}
