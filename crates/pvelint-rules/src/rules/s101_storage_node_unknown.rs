//! S101: a storage's `nodes` list names a node that is not in the cluster.

use crate::context::{list_items, Context};
use pvelint_parse::{Diagnostic, Edit, Fix, Severity, Spanned};

/// The fix of every finding about one storage: its `nodes` list without the unknown
/// names. None when no listed node is known (which node should hold the storage is a
/// decision) or the value was not read verbatim.
fn drop_unknown(ctx: &Context, id: &str, written: &Spanned<String>, items: &[Spanned<String>]) -> Option<Fix> {
    let known: Vec<&str> = items.iter().filter(|n| !ctx.node_unknown(&n.value)).map(|n| n.value.as_str()).collect();
    if known.is_empty() || written.span.len() != written.value.len() {
        return None;
    }
    let list = known.join(",");
    let fix = Fix::unsafe_(
        format!("keep only the cluster nodes in `nodes`: {list}"),
        vec![Edit::replace(written.span, list.clone())],
    );
    Some(match crate::fix::command(&["pvesm", "set", id, "--nodes", &list]) {
        Some(c) => fix.with_command(c),
        None => fix,
    })
}

crate::declare_rule!(
    StorageNodeUnknown,
    "S101",
    "storage-node-unknown",
    Error,
    "A storage's `nodes` list names a node that is not a cluster node.",
    fix = Unsafe
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(source) = ctx.node_list_source() else { return };
    for s in ctx.tree.storage.iter() {
        // `s.nodes` is what Proxmox kept; the written value gives each name its span.
        let (Some(kept), Some(written)) = (&s.nodes, s.section.as_ref().and_then(|sec| sec.get("nodes"))) else {
            continue;
        };
        let items = list_items(written);
        let unknown: Vec<_> = items.iter().filter(|n| ctx.node_unknown(&n.value)).collect();
        if unknown.is_empty() {
            continue;
        }
        let known: Vec<String> = kept.value.iter().filter(|n| !ctx.node_unknown(n)).map(|n| format!("'{n}'")).collect();
        let fix = drop_unknown(ctx, &s.id, written, &items);
        for n in unknown {
            let (effect, severity) = if known.is_empty() {
                (
                    format!(
                        "no listed node is in the cluster, so storage '{}' is available on no node: guests with volumes on it cannot start and jobs writing to it fail",
                        s.id
                    ),
                    Severity::Error,
                )
            } else {
                (
                    format!(
                        "the storage is still available on {}, and the entry takes effect only if a node called '{}' joins",
                        pvelint_parse::diag::bounded_list(known.iter(), ", ", ", "),
                        n.value
                    ),
                    Severity::Warning,
                )
            };
            let list = format!("storage '{}'", s.id);
            let d = crate::wording::unknown_node(&META, n.span, (&list, " in `nodes`"), &n.value, &source, &effect)
                .with_severity(severity)
                .with_help(format!(
                    "replace '{}' with the node that has the storage now (node names are case-sensitive), or remove it from `nodes`",
                    n.value
                ))
                .with_object(s.object());
            out.push(match &fix {
                Some(f) => d.with_fix(f.clone()),
                None => d,
            });
        }
    }
}
