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
                let mut bad = Vec::new();
                let mut label = None;
                for node in &p.nodes {
                    match ctx.status_of(Some(s), node) {
                        StorageStatus::Available | StorageStatus::Undefined => {}
                        StorageStatus::Unusable => bad.push((node.clone(), "unusable".to_string())),
                        StorageStatus::Disabled(l) => {
                            label = Some((l, "disabled here".to_string()));
                            bad.push((node.clone(), "disabled".to_string()));
                        }
                        StorageStatus::NotOnNode(l) => {
                            label = Some((l, "restricted to other nodes here".to_string()));
                            bad.push((node.clone(), format!("not available on node '{node}'")));
                        }
                    }
                }
                if bad.is_empty() {
                    continue;
                }
                let reasons: Vec<String> = bad.iter().map(|(_, r)| r.clone()).collect();
                let mut reasons_dedup = reasons.clone();
                reasons_dedup.dedup();
                let mut d = META
                    .at(
                        p.value.span,
                        format!("{head} is inside {dir}, the directory of storage '{}', which is {}; {effect}", s.id, reasons_dedup.join(" and ")),
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
