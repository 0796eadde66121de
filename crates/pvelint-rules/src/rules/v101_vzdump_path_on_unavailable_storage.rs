//! V101: a vzdump `tmpdir`, `dumpdir` or `script` inside the directory of a storage that
//! is missing, unusable, disabled or not available on the node that uses it.

use crate::context::{Context, PathOwner, StorageStatus};
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    VzdumpPathOnUnavailableStorage,
    "V101",
    "vzdump-path-on-unavailable-storage",
    Error,
    "A vzdump tmpdir, dumpdir or script lies inside a storage that is missing, disabled or not on that node."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for p in ctx.vzdump_paths() {
        let Some(owner) = ctx.path_owner(&p.value.value) else { continue };
        let head = format!("{} '{}' of {}", p.key, p.value.value, p.source);
        let effect = match p.key {
            "script" => "the hook script cannot run, so every backup on that node fails",
            _ => "every backup job on that node fails (or hangs, if the device vanished while in use) before any guest",
        };
        match owner {
            PathOwner::GhostMount(id, dir) => out.push(
                META.at(p.value.span, format!("{head} is under {dir}, the directory of storage '{id}', which storage.cfg does not define; {effect}"))
                    .with_help(format!("point {} at a directory on a local disk that always exists", p.key))
                    .with_object(p.object.clone())
                    .with_key(p.key),
            ),
            PathOwner::Storage(s, dir) => {
                let (why, label) = match ctx.unavailable_on(s, &p.nodes) {
                    None => continue,
                    Some((StorageStatus::Disabled(l), _)) => ("disabled".to_string(), Some((l, "disabled here"))),
                    Some((StorageStatus::NotOnNode(l), bad)) => {
                        (format!("not available on {}", bad.quote()), Some((l, "restricted to other nodes here")))
                    }
                    Some(_) => ("unusable".to_string(), None),
                };
                let mut d = META
                    .at(
                        p.value.span,
                        format!("{head} is inside {dir}, the directory of storage '{}', which is {why}; {effect}", s.id),
                    )
                    .with_help(format!(
                        "point {} at a directory on a disk that is always present on the node (e.g. under /var/tmp), or fix storage '{}'",
                        p.key, s.id
                    ))
                    .with_object(p.object.clone())
                    .with_key(p.key);
                if let Some((span, msg)) = label {
                    d = d.with_label(span, msg);
                }
                out.push(d);
            }
        }
    }
}
