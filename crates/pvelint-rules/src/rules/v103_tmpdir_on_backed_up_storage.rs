//! V103: a node's vzdump `tmpdir` lies inside a storage that also holds container volumes
//! included in the backups of guests on that node.

use crate::context::{Context, PathOwner};
use pvelint_parse::Diagnostic;
use std::collections::BTreeMap;

crate::declare_rule!(
    TmpdirOnBackedUpStorage,
    "V103",
    "tmpdir-on-backed-up-storage",
    Warning,
    "A node's vzdump tmpdir is on the same storage as container volumes that its backups read."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // Nodes whose tmpdir is inside a storage, then one pass over the volumes (not one per
    // node: large clusters have hundreds of nodes).
    let mut nodes = BTreeMap::new();
    for (node, conf) in &ctx.tree.vzdump_confs {
        let Some(tmpdir) = conf.opts.tmpdir() else { continue };
        let Some(PathOwner::Storage(s, dir)) = ctx.path_owner(&tmpdir.value) else { continue };
        nodes.insert(node.as_str(), (tmpdir, s, dir, Vec::new()));
    }
    if nodes.is_empty() {
        return;
    }
    for v in ctx.volumes().filter(|v| Context::is_ct(v.guest) && v.backed_up()) {
        let Some((_, s, _, vols)) = nodes.get_mut(v.guest.node.as_str()) else { continue };
        // The volume's storage as the context resolved it, compared by identity.
        if v.storage.is_some_and(|x| std::ptr::eq(x, *s)) {
            vols.push(v);
        }
    }
    for (node, (tmpdir, s, dir, vols)) in nodes {
        let Some(first) = vols.first() else { continue };
        let names: Vec<String> = vols.iter().map(|v| v.describe()).collect();
        let shown = if names.len() > 4 {
            format!("{} and {} more", names[..4].join(", "), names.len() - 4)
        } else {
            names.join(", ")
        };
        out.push(
            META.at(
                tmpdir.span,
                format!(
                    "tmpdir '{}' of node '{node}' is inside {dir}, the directory of storage '{}', which also holds volumes included in the backups of containers on this node ({shown}); in suspend mode (and when snapshot mode falls back to it) vzdump rsyncs the whole container into tmpdir, so the same device is read and written at once and can fill up",
                    tmpdir.value, s.id
                ),
            )
            .with_label(first.vol.value, format!("backed up from storage '{}'", s.id))
            .with_help("point tmpdir at a directory on another local disk (e.g. under /var/tmp), with room for the largest container")
            .with_object(format!("node:{node}"))
            .with_key("tmpdir"),
        );
    }
}
