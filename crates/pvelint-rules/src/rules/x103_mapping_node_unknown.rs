//! X103: A resource mapping has an entry for a node that is not a cluster node.

use crate::context::Context;
use crate::Diagnostic;

crate::declare_rule!(
    MappingNodeUnknown,
    "X103",
    "mapping-node-unknown",
    Warning,
    "A resource mapping has an entry for a node that is not a cluster node."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(source) = ctx.node_list_source() else { return };
    for cfg in ctx.tree.mappings.iter() {
        for m in &cfg.mappings {
            for e in m.entries.iter().filter(|e| ctx.node_unknown(&e.node.value)) {
                let what = format!("{} '{}'", cfg.kind.noun(), m.id.value);
                let effect = "no guest runs there, so the entry is never used; a node that joins later under this name would get the device or directory without anyone choosing it";
                let d = crate::wording::unknown_node(&META, e.node.span, (&what, ""), &e.node.value, &source, effect)
                    .with_help(format!(
                        "remove the entry, or correct the node name (names are case-sensitive) in {}",
                        cfg.kind.path()
                    ))
                    .with_object(format!("mapping:{}:{}", cfg.kind.type_name(), m.id.value))
                    .with_key("map");
                out.push(d);
            }
        }
    }
}
