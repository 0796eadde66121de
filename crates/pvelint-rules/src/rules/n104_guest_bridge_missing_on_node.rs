//! N104: a guest NIC on a bridge its node does not have.

use crate::context::Context;
use crate::Diagnostic;

crate::declare_rule!(
    GuestBridgeMissingOnNode,
    "N104",
    "guest-bridge-missing-on-node",
    Error,
    "A guest NIC names a bridge that its node does not have, so the guest does not start."
);

fn message(guest: &str, key: &str, bridge: &str, node: &str) -> String {
    format!(
        "{guest} {key} is plugged into bridge '{bridge}', which node '{node}' does not have (its facts list no such bridge): the guest fails to start with \"bridge '{bridge}' does not exist\""
    )
}

/// `net0`, `net12`.
pub fn is_net_key(key: &str) -> bool {
    key.strip_prefix("net").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (node, nf) in &ctx.tree.facts {
        // No bridge at all in the facts: sysfs was not visible to the collector.
        if nf.facts.bridges.is_empty() {
            continue;
        }
        for &gi in ctx.guests_on(node) {
            let g = &ctx.tree.guests[gi];
            let cfg = &g.config;
            for e in cfg.main().entries.iter().filter(|e| is_net_key(cfg.key(e))) {
                let Some(bridge) = cfg.entry_prop(e, "bridge") else { continue };
                if nf.facts.bridges.binary_search_by(|b| b.as_str().cmp(bridge.value)).is_ok() {
                    continue;
                }
                out.push(
                    META.at(bridge.span, message(&g.label(), cfg.key(e), bridge.value, node))
                        .with_label(nf.node_span, format!("facts of node '{node}'"))
                        .with_help("create the bridge on this node (/etc/network/interfaces, or apply the SDN configuration), or plug the NIC into a bridge the node has")
                        .with_object(format!("guest:{}", g.vmid))
                        .with_key(cfg.key(e)),
                );
            }
        }
    }
}
