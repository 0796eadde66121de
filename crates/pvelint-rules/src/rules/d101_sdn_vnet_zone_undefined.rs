//! D101: A vnet names a zone that zones.cfg does not define.

use crate::context::Context;
use crate::Diagnostic;

crate::declare_rule!(
    SdnVnetZoneUndefined,
    "D101",
    "sdn-vnet-zone-undefined",
    Error,
    "A vnet names a zone that zones.cfg does not define."
);

fn message(vnet: &str, zone: Option<&str>, running: bool) -> String {
    let what = match zone {
        Some(z) => format!("vnet '{vnet}' is in zone '{z}', which sdn/zones.cfg does not define"),
        None => format!("vnet '{vnet}' has no `zone`"),
    };
    let effect = if running {
        "the vnet is applied, and guests plugged into it fail to start: their zone is looked up in zones.cfg (\"cannot lookup undefined type!\")"
    } else {
        "applying SDN skips it (\"can't generate vnet\"), so guests plugged into it will not start"
    };
    format!("{what}; {effect}")
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(vnets) = &ctx.tree.sdn.vnets else { return };
    let idx = ctx.sdn_index();
    let running = ctx.tree.sdn.running.as_ref();
    for v in &vnets.sections {
        let zone = v.get("zone");
        if zone.is_some_and(|z| idx.zones.contains_key(z.value.as_str())) {
            continue;
        }
        let applied = running.is_some_and(|r| r.vnets.contains_key(&v.id.value));
        let at = zone.map_or(v.id.span, |z| z.span);
        out.push(
            META.at(at, message(&v.id.value, zone.map(|z| z.value.as_str()), applied))
                .with_object(format!("sdn-vnet:{}", v.id.value))
                .with_key("zone")
                .with_help("create the zone (Datacenter → SDN → Zones) or set the vnet's `zone` to an existing one, then apply SDN"),
        );
    }
}
