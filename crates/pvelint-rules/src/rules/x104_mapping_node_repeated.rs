//! X104: A USB or directory mapping has more than one entry for the same node.

use crate::context::Context;
use crate::Diagnostic;
use pvelint_parse::mapping::MappingKind;
use std::collections::BTreeMap;

crate::declare_rule!(
    MappingNodeRepeated,
    "X104",
    "mapping-node-repeated",
    Error,
    "A USB or directory mapping has more than one entry for the same node."
);

fn message(kind: MappingKind, id: &str, node: &str, count: usize) -> String {
    let error = match kind {
        MappingKind::Usb => "More than one USB mapping per host not supported".to_string(),
        _ => format!("More than than one directory mapping for node {node}."),
    };
    format!(
        "{} '{id}' has {count} entries for node '{node}': every VM that uses it fails to start on '{node}' (\"{error}\")",
        kind.noun()
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // PCI entries for one node are alternatives (the first free one is used): allowed.
    for cfg in ctx.tree.mappings.iter().filter(|c| c.kind != MappingKind::Pci) {
        for m in &cfg.mappings {
            let mut by_node: BTreeMap<&str, Vec<&pvelint_parse::mapping::MapEntry>> = BTreeMap::new();
            for e in &m.entries {
                by_node.entry(e.node.value.as_str()).or_default().push(e);
            }
            for (node, entries) in by_node.into_iter().filter(|(_, e)| e.len() > 1) {
                let d = META
                    .at(entries[1].span, message(cfg.kind, &m.id.value, node, entries.len()))
                    .with_related(entries.iter().enumerate().filter(|(i, _)| *i != 1), |(i, e)| {
                        (e.span, if i == 0 { "the first entry for this node".to_string() } else { "another entry".to_string() })
                    })
                    .with_object(format!("mapping:{}:{}", cfg.kind.type_name(), m.id.value))
                    .with_key("map")
                    .with_help("keep one entry per node; for two devices on one node, make two mappings");
                out.push(d);
            }
        }
    }
}
