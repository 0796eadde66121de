//! D106: A guest NIC sets tag or trunks on a vnet that is not VLAN-aware.

use crate::context::Context;
use crate::Diagnostic;

crate::declare_rule!(
    SdnVlanOnUnawareVnet,
    "D106",
    "sdn-vlan-on-unaware-vnet",
    Error,
    "A guest NIC sets tag or trunks on a vnet that is not VLAN-aware."
);

fn message(nic: &str, key: &str, vnet: &str) -> String {
    format!(
        "{nic} sets `{key}` on vnet '{vnet}', which is not VLAN-aware (no `vlanaware 1`): the guest fails to start (\"vm vlans are not allowed on vnet {vnet}\")"
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let running = ctx.tree.sdn.running.as_ref();
    let idx = ctx.sdn_index();
    for n in ctx.vnet_nics() {
        let Some(vlan) = n.tag.map(|t| ("tag", t)).or(n.trunks.map(|t| ("trunks", t))) else { continue };
        // The running vnet when SDN was applied (its bridge is what the start sees), else
        // the pending definition.
        let aware = match running {
            Some(r) => match r.vnets.get(n.bridge.value) {
                Some(v) => v.vlanaware,
                None => continue,
            },
            None => match idx.vnets.get(n.bridge.value) {
                Some(v) => v.flag("vlanaware"),
                None => continue,
            },
        };
        if aware {
            continue;
        }
        let mut d = META
            .at(vlan.1.span, message(&n.describe(), vlan.0, n.bridge.value))
            .with_object(format!("guest:{}", n.guest.vmid))
            .with_key(n.key)
            .with_help("set `vlanaware 1` on the vnet and apply SDN, or remove the tag and use a vnet per VLAN");
        if let Some(v) = idx.vnets.get(n.bridge.value) {
            d = d.with_label(v.id.span, "the vnet");
        }
        out.push(d);
    }
}
