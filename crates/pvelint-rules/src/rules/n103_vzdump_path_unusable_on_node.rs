//! N103: a vzdump path that a node's facts show missing, hung, or on the root file
//! system where a storage's mount should be.

use crate::backing::required_mount;
use crate::context::{Context, PathOwner};
use crate::Diagnostic;
use pvelint_parse::facts::PathState;

crate::declare_rule!(
    VzdumpPathUnusableOnNode,
    "N103",
    "vzdump-path-unusable-on-node",
    Error,
    "A vzdump tmpdir, dumpdir or script is missing or hung on a node, or lies on the root file system where a storage's mount should be."
);

fn message(source: &str, key: &str, path: &str, node: &str, problem: &str) -> String {
    format!("{source} sets `{key}` to '{path}', but on node '{node}' {problem}")
}

fn problem(key: &str, state: PathState) -> Option<&'static str> {
    match (state, key) {
        (PathState::Hung, _) => Some("the path hung when it was probed: every backup that touches it blocks in uninterruptible I/O until the node reboots"),
        (PathState::Missing, "script") => Some("it does not exist: every backup on this node fails when vzdump calls the hook script"),
        (PathState::Missing, _) => Some("it does not exist: every backup on this node that uses it fails"),
        _ => None,
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for vp in ctx.vzdump_paths() {
        let path = pvelint_parse::storage::canonpath(&vp.value.value);
        // The nodes with facts among those the setting applies on: the smaller side is walked.
        let with_facts: Vec<(&String, &pvelint_parse::facts::NodeFacts)> = if ctx.tree.facts.len() < vp.nodes.len() {
            ctx.tree.facts.iter().filter(|(n, _)| vp.nodes.binary_search(n).is_ok()).collect()
        } else {
            vp.nodes.iter().filter_map(|n| ctx.tree.facts.get_key_value(n)).collect()
        };
        for (node, nf) in with_facts {
            let Some(fact) = nf.facts.path(&path) else { continue };
            let at = nf.path_span(&path).unwrap_or(nf.node_span);
            let text = if let Some(p) = problem(vp.key, fact.state) {
                p.to_string()
            } else if fact.state == PathState::Present {
                // Inside a storage that must be its own mount, but on another file system.
                let Some(PathOwner::Storage(s, _)) = ctx.path_owner(&path) else { continue };
                let Some(mount) = required_mount(s) else { continue };
                if !(path == mount || path.starts_with(&format!("{mount}/"))) {
                    continue;
                }
                let on = fact.mount_point.as_deref().unwrap_or("?");
                if on == mount || on.starts_with(&format!("{mount}/")) {
                    continue;
                }
                format!(
                    "it lies on the file system mounted at '{on}', not on storage '{}' (nothing is mounted at '{mount}'): vzdump writes to the wrong disk, and fills it",
                    s.id
                )
            } else {
                continue;
            };
            out.push(
                META.at(vp.value.span, message(&vp.source, vp.key, &path, node, &text))
                    .with_label(at, format!("facts of node '{node}'"))
                    .with_help("point the setting at a path that exists on every node it applies to, or mount what it needs there first")
                    .with_object(vp.object.clone())
                    .with_key(vp.key),
            );
        }
    }
}
