//! H102: an HA group or node-affinity rule names a node that is not in the cluster.

use crate::context::{Context, NodeListSource};
use pvelint_parse::{Diagnostic, Severity, Spanned};

crate::declare_rule!(
    HaNodeUnknown,
    "H102",
    "ha-node-unknown",
    Warning,
    "An HA group or node-affinity rule names a node that is not a cluster node."
);

/// A node list of an HA group or rule.
struct NodeList<'a> {
    nodes: &'a [Spanned<String>],
    /// `HA group 'g'` / `HA rule 'r'`.
    what: String,
    /// `restricted` / `strict`, and whether it is set: resources may run only on the listed nodes.
    strict_key: &'static str,
    strict: bool,
    object: String,
}

fn report(ctx: &Context, source: &NodeListSource, list: NodeList, out: &mut Vec<Diagnostic>) {
    let NodeList { nodes, what, strict_key, strict, object } = list;
    let known = nodes.iter().filter(|n| !ctx.node_unknown(&n.value)).count();
    for n in nodes.iter().filter(|n| ctx.node_unknown(&n.value)) {
        let (effect, sev) = if known > 0 {
            ("HA never places a resource there; only the other listed nodes count".to_string(), Severity::Warning)
        } else if strict {
            (
                format!("no listed node is in the cluster and `{strict_key}` is set, so the resources bound by it have no node to run on and HA cannot start or recover them"),
                Severity::Error,
            )
        } else {
            (
                format!("no listed node is in the cluster, so the preference has no effect and HA places the resources on any node (`{strict_key}` is not set)"),
                Severity::Warning,
            )
        };
        let d = crate::wording::unknown_node(&META, n.span, (&what, ""), &n.value, source, &effect)
            .with_severity(sev)
            .with_help(format!(
                "replace '{}' with a current node (names are case-sensitive), or remove it from the list",
                n.value
            ))
            .with_object(object.clone());
        out.push(d);
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(source) = ctx.node_list_source() else { return };
    if let Some(groups) = &ctx.tree.ha.groups {
        for g in &groups.groups {
            let restricted = g.section.get("restricted").is_some_and(|v| v.value == "1");
            let list = NodeList {
                nodes: &g.nodes,
                what: format!("HA group '{}'", g.id.value),
                strict_key: "restricted",
                strict: restricted,
                object: format!("ha-group:{}", g.id.value),
            };
            report(ctx, &source, list, out);
        }
    }
    if let Some(rules) = &ctx.tree.ha.rules {
        for r in rules.rules.iter().filter(|r| r.kind.value == "node-affinity" && !r.disabled()) {
            let strict = r.section.get("strict").is_some_and(|v| v.value == "1");
            let list = NodeList {
                nodes: &r.nodes,
                what: format!("HA rule '{}'", r.id.value),
                strict_key: "strict",
                strict,
                object: format!("ha-rule:{}", r.id.value),
            };
            report(ctx, &source, list, out);
        }
    }
}
