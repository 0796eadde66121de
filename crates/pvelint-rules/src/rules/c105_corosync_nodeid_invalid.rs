//! C105: a corosync.conf node has no nodeid, an invalid one, or the nodeid of another
//! node: corosync refuses the configuration.

use crate::context::Context;
use pvelint_parse::corosync::CorosyncNode;
use pvelint_parse::{Diagnostic, Span};
use std::collections::HashMap;

crate::declare_rule!(
    CorosyncNodeidInvalid,
    "C105",
    "corosync-nodeid-invalid",
    Error,
    "A corosync.conf node has no nodeid, an invalid one, or the nodeid of another node: corosync refuses the configuration."
);

/// libknet's `KNET_MAX_HOST`: node IDs are below it.
const KNET_MAX_HOST: u64 = 65536;

const EFFECT: &str = "corosync refuses the whole configuration: a node that restarts corosync with it stays out of the cluster, and a reload (`corosync-cfgtool -R`) is rejected";

fn message(node: &CorosyncNode, problem: &str) -> String {
    format!("node '{}' {problem}; {EFFECT}", node.name.value)
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(c) = &ctx.tree.corosync else { return };
    let mut seen: HashMap<u64, &CorosyncNode> = HashMap::new();
    for node in &c.nodes {
        let object = format!("node:{}", node.name.value);
        let Some(id) = &node.nodeid else {
            out.push(
                META.at(node.name.span, message(node, "has no `nodeid`, and knet requires an explicit one (\"Knet requires an explicit nodeid\")"))
                    .with_help("add `nodeid: <n>` with a number no other node uses (`pvecm nodes` shows the IDs in use)")
                    .with_object(object)
                    .with_key("nodeid"),
            );
            continue;
        };
        let value = match id.value.parse::<u64>() {
            Ok(v) if v > 0 && v < KNET_MAX_HOST => v,
            _ => {
                let d = META
                    .at(id.span, message(node, &format!("has `nodeid: {}`, which is not a number from 1 to {}", id.value, KNET_MAX_HOST - 1)))
                    .with_help("use a small positive number no other node uses")
                    .with_object(object)
                    .with_key("nodeid");
                out.push(d);
                continue;
            }
        };
        match seen.get(&value) {
            Some(first) => out.push(duplicate(node, id.span, first, value, object)),
            None => {
                seen.insert(value, node);
            }
        }
    }
}

fn duplicate(node: &CorosyncNode, at: Span, first: &CorosyncNode, value: u64, object: String) -> Diagnostic {
    let earlier = first.nodeid.as_ref().map_or(first.name.span, |n| n.span);
    META.at(
        at,
        message(node, &format!("has `nodeid: {value}`, like node '{}' (\"Nodeid {value} appears twice in corosync.conf\")", first.name.value)),
    )
    .with_label(earlier, format!("node '{}' has it too", first.name.value))
    .with_help("give each node its own nodeid; change the one of the node that joined last, then raise `config_version`")
    .with_object(object)
    .with_key("nodeid")
}
