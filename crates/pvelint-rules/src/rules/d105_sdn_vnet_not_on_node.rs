//! D105: A guest NIC uses a vnet whose zone is not allowed on the guest's node.

use crate::context::{list_items, Context};
use crate::Diagnostic;

crate::declare_rule!(
    SdnVnetNotOnNode,
    "D105",
    "sdn-vnet-not-on-node",
    Error,
    "A guest NIC uses a vnet whose zone is not allowed on the guest's node."
);

fn message(nic: &str, vnet: &str, zone: &str, node: &str) -> String {
    format!(
        "{nic} is plugged into vnet '{vnet}' of zone '{zone}', whose `nodes` leaves out node '{node}' where the guest is: the guest fails to start there (\"vnet {vnet} is not allowed on this node\")"
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let running = ctx.tree.sdn.running.as_ref();
    let idx = ctx.sdn_index();
    for n in ctx.vnet_nics() {
        // The vnet a start resolves: the running one (else, before any apply, the pending one).
        let is_vnet = match running {
            Some(r) => r.vnets.contains_key(n.bridge.value),
            None => idx.vnets.contains_key(n.bridge.value),
        };
        let node = n.guest.node.as_str();
        if !is_vnet || node == pvelint_parse::tree::PLACEHOLDER_NODE {
            continue;
        }
        let Some((zone, Some(z))) = ctx.vnet_zone(n.bridge.value) else { continue };
        let Some(nodes) = z.get("nodes") else { continue };
        if list_items(nodes).iter().any(|i| i.value == node) {
            continue;
        }
        out.push(
            META.at(n.bridge.span, message(&n.describe(), n.bridge.value, zone, node))
                .with_label(nodes.span, format!("the nodes of zone '{zone}'"))
                .with_object(format!("guest:{}", n.guest.vmid))
                .with_key(n.key)
                .with_help(format!("add '{node}' to the zone's `nodes` and apply SDN, or use another vnet on this node")),
        );
    }
}
