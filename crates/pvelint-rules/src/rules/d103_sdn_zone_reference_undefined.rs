//! D103: A zone names a controller, IPAM or DNS server that is not defined.

use crate::context::Context;
use crate::Diagnostic;

crate::declare_rule!(
    SdnZoneReferenceUndefined,
    "D103",
    "sdn-zone-reference-undefined",
    Error,
    "A zone names a controller, IPAM or DNS server that is not defined."
);

fn message(zone: &str, key: &str, id: &str, file: &str, effect: &str) -> String {
    format!("zone '{zone}' sets `{key} {id}`, but {file} defines no '{id}'; {effect}")
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(zones) = &ctx.tree.sdn.zones else { return };
    let idx = ctx.sdn_index();
    for z in &zones.sections {
        let checks = [
            ("controller", &idx.controllers, "sdn/controllers.cfg", "applying SDN fails for the zone's vnets (\"missing controller\"), so they are not created"),
            ("ipam", &idx.ipams, "sdn/ipams.cfg", "allocating an address in the zone's subnets (a NIC with DHCP, a new guest) fails (\"cannot lookup undefined type!\")"),
            ("dns", &idx.dns, "sdn/dns.cfg", "adding a DNS record for a guest in the zone fails (\"cannot lookup undefined type!\")"),
            ("reversedns", &idx.dns, "sdn/dns.cfg", "adding a reverse DNS record for a guest in the zone fails (\"cannot lookup undefined type!\")"),
        ];
        for (key, defined, file, effect) in checks {
            let Some(v) = z.get(key) else { continue };
            // The `pve` IPAM always exists (`Ipams::config` adds it).
            if defined.contains_key(v.value.as_str()) || (key == "ipam" && v.value == "pve") {
                continue;
            }
            out.push(
                META.at(v.span, message(&z.id.value, key, &v.value, file, effect))
                    .with_object(format!("sdn-zone:{}", z.id.value))
                    .with_key(key)
                    .with_help(format!("define '{}' in {file}, or correct the zone's `{key}`", v.value)),
            );
        }
    }
}
