//! D102: A subnet names a vnet that vnets.cfg does not define.

use crate::context::Context;
use crate::Diagnostic;

crate::declare_rule!(
    SdnSubnetVnetUndefined,
    "D102",
    "sdn-subnet-vnet-undefined",
    Error,
    "A subnet names a vnet that vnets.cfg does not define."
);

fn message(subnet: &str, vnet: Option<&str>) -> String {
    let what = match vnet {
        Some(v) => format!("subnet '{subnet}' belongs to vnet '{v}', which sdn/vnets.cfg does not define"),
        None => format!("subnet '{subnet}' has no `vnet`"),
    };
    format!("{what}; no vnet uses it, so its gateway, SNAT, DHCP range and IPAM allocations are never set up")
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(subnets) = &ctx.tree.sdn.subnets else { return };
    let idx = ctx.sdn_index();
    for s in &subnets.sections {
        let vnet = s.get("vnet");
        if vnet.is_some_and(|v| idx.vnets.contains_key(v.value.as_str())) {
            continue;
        }
        let at = vnet.map_or(s.id.span, |v| v.span);
        out.push(
            META.at(at, message(&s.id.value, vnet.map(|v| v.value.as_str())))
                .with_object(format!("sdn-subnet:{}", s.id.value))
                .with_key("vnet")
                .with_help("set `vnet` to an existing vnet, or remove the subnet, then apply SDN"),
        );
    }
}
