//! V102: a vzdump `tmpdir`, `dumpdir` or `script` inside a removable or remote storage.

use crate::context::{Context, PathOwner};
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    VzdumpPathOnFragileStorage,
    "V102",
    "vzdump-path-on-fragile-storage",
    Warning,
    "A vzdump tmpdir, dumpdir or script lies inside a single-node data storage or a network storage."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for p in ctx.vzdump_paths() {
        let Some(PathOwner::Storage(s, dir)) = ctx.path_owner(&p.value.value) else { continue };
        // Unavailable storages are V101's.
        if ctx.unavailable_on(s, &p.nodes).is_some() {
            continue;
        }
        let what = if s.is_network() {
            format!("a network storage ({})", s.kind)
        } else if ctx.is_fragile(s) {
            let node = s.nodes.as_ref().and_then(|n| n.value.iter().next().cloned()).unwrap_or_default();
            format!("a non-shared {} storage that only node '{node}' has", s.kind)
        } else {
            continue;
        };
        let mut d = META
            .at(
                p.value.span,
                format!(
                    "{} '{}' of {} is inside {dir}, the directory of storage '{}', {what}; when that device or mount goes away, every backup job on the node fails or hangs in uninterruptible I/O before any guest",
                    p.key, p.value.value, p.source, s.id
                ),
            )
            .with_help(format!("point {} at a directory on the node's system disk (e.g. /var/tmp/vzdump)", p.key))
            .with_object(p.object.clone())
            .with_key(p.key);
        if let Some(a) = s.anchor() {
            d = d.with_label(a, format!("storage '{}' defined here", s.id));
        }
        out.push(d);
    }
}
