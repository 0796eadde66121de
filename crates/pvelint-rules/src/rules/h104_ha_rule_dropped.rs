//! H104: An HA rule that the HA manager drops at run time, so it has no effect.

use crate::context::Context;
use crate::ha::{Dropped, RuleSource};
use crate::Diagnostic;

crate::declare_rule!(
    HaRuleDropped,
    "H104",
    "ha-rule-dropped",
    Warning,
    "An HA rule that the HA manager drops at run time, so it has no effect."
);

/// Proxmox's log lines shown in a message.
const SHOWN: usize = 2;

fn message(d: &Dropped) -> String {
    let what = match d.source {
        RuleSource::Rule(r) => format!("HA rule '{}'", r.id.value),
        RuleSource::Group(g) => format!(
            "HA group '{}' becomes the node-affinity rule '{}' when the HA manager reads the rules, and that rule",
            g.id.value, d.id
        ),
    };
    let logged: Vec<String> =
        d.reasons.iter().take(SHOWN).map(|r| format!("\"Drop rule '{}', because {r}.\"", d.id)).collect();
    let more = match d.reasons.len().saturating_sub(SHOWN) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let effect = match d.source {
        RuleSource::Group(g) => {
            let restricted = g.section.get("restricted").is_some_and(|v| v.value == "1");
            format!(
                "its resources lose the group's node priorities{} and HA may place them on any node",
                if restricted { " and restriction" } else { "" }
            )
        }
        RuleSource::Rule(r) if r.kind.value == "node-affinity" => {
            let strict = r.section.get("strict").is_some_and(|v| v.value == "1");
            format!(
                "its resources lose its node priorities{} and HA may place them on any node",
                if strict { " and restriction" } else { "" }
            )
        }
        RuleSource::Rule(r) => match r.section.get("affinity").map(|a| a.value.as_str()) {
            Some("positive") => "HA does not keep its resources together".to_string(),
            _ => "HA does not keep its resources apart".to_string(),
        },
    };
    format!("{what} is dropped by the HA manager ({}{more} in its log): {effect}", logged.join(", "))
}

fn help(d: &Dropped) -> &'static str {
    let first = d.reasons.first().map(String::as_str).unwrap_or_default();
    if first.contains("already used in another node affinity rule") {
        "keep each resource in one enabled node-affinity rule (a resource with a `group` in resources.cfg already has one while groups.cfg exists)"
    } else if first.contains("less than two resources") {
        "list at least two resources in the rule, or remove it"
    } else if first.contains("more resources than available nodes") {
        "list at most as many resources as the cluster has nodes, or split the rule"
    } else if first.contains("multiple priorities") {
        "give the node-affinity rule (or group) one priority for all its nodes, or take its resources out of the resource-affinity rule"
    } else if (first.contains("node affinity rule") && first.contains("positive")) || first.contains("multiple node affinity rules") {
        "resources kept together may be in one node-affinity rule (or group) at most: merge the node-affinity rules or split the positive rule"
    } else if first.contains("less nodes than available") {
        "allow the resources kept apart at least as many nodes as there are resources, or remove some from the negative rule"
    } else {
        "a set of resources cannot be kept both together and apart: remove the shared resources from one of the two rules"
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let placement = ctx.ha_placement();
    for d in &placement.dropped {
        let (span, object) = match d.source {
            RuleSource::Rule(r) => (r.id.span, format!("ha-rule:{}", r.id.value)),
            RuleSource::Group(g) => (g.id.span, format!("ha-group:{}", g.id.value)),
        };
        out.push(META.at(span, message(d)).with_object(object).with_help(help(d)));
    }
}
