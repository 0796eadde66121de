//! N101: a storage enabled on a node whose facts show its backing is not there.

use crate::backing::{presence, Presence};
use crate::context::Context;
use crate::Diagnostic;

crate::declare_rule!(
    StorageBackingAbsent,
    "N101",
    "storage-backing-absent",
    Error,
    "A storage enabled on a node whose facts show its pool, mount, thin pool or path is not there."
);

fn message(storage: &str, node: &str, what: &str) -> String {
    format!(
        "storage '{storage}' is enabled on node '{node}', but the facts of '{node}' show {what}: every guest volume, backup and upload on it fails there, and a backup job that writes or reads it can hang"
    )
}

const HELP: &str = "import or mount the backing on this node, or take the node out of the storage's `nodes` (and move what uses it); if the pool moved to another node, N102 names it";

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in ctx.tree.storage.iter().filter(|s| s.usable && !s.is_disabled()) {
        // A move is N102's finding, with the node the backing went to.
        if crate::rules::n102_storage_backing_on_unlisted_node::moved_to(ctx, s).is_some() {
            continue;
        }
        let Some(anchor) = s.anchor() else { continue };
        for (node, nf) in &ctx.tree.facts {
            if !s.node_allowed(node) {
                continue;
            }
            if let Presence::Absent(what) = presence(s, nf) {
                out.push(
                    META.at(anchor, message(&s.id, node, &what))
                        .with_label(nf.node_span, format!("facts of node '{node}'"))
                        .with_help(HELP)
                        .with_object(s.object()),
                );
            }
        }
    }
}
