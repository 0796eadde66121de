//! D104: A guest NIC uses a vnet that is defined but was never applied (not in the
//! running SDN config).

use crate::context::Context;
use crate::sdn::VnetNic;
use crate::Diagnostic;

crate::declare_rule!(
    SdnVnetNotApplied,
    "D104",
    "sdn-vnet-not-applied",
    Error,
    "A guest NIC uses a vnet that is defined but was never applied (not in the running SDN config)."
);

fn message(n: &VnetNic) -> String {
    format!(
        "{} is plugged into vnet '{}', which sdn/vnets.cfg defines but the running SDN configuration does not have (SDN was not applied since): the guest falls back to a plain bridge of that name and fails to start (\"bridge '{}' does not exist\")",
        n.describe(),
        n.bridge.value,
        n.bridge.value
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(running) = &ctx.tree.sdn.running else { return };
    let idx = ctx.sdn_index();
    for n in ctx.vnet_nics() {
        if running.vnets.contains_key(n.bridge.value) {
            continue;
        }
        let Some(v) = idx.vnets.get(n.bridge.value) else { continue };
        out.push(
            META.at(n.bridge.span, message(n))
                .with_label(v.id.span, "defined here, not applied")
                .with_object(format!("guest:{}", n.guest.vmid))
                .with_key(n.key)
                .with_help("apply the SDN configuration (Datacenter → SDN → Apply, or `pvesh set /cluster/sdn`)"),
        );
    }
}
