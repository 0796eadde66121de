//! H105: An HA resource names a group that groups.cfg does not define.

use crate::context::Context;
use crate::Diagnostic;

crate::declare_rule!(
    HaResourceGroupUndefined,
    "H105",
    "ha-resource-group-undefined",
    Warning,
    "An HA resource names a group that groups.cfg does not define."
);

fn message(sid: &str, group: &str, no_file: bool) -> String {
    format!(
        "HA resource '{sid}' names group '{group}', but {} no such group: HA ignores the reference and may run the resource on any node (PVE 8 falls back to every online node; the PVE 9 group migration skips it)",
        if no_file { "there is no ha/groups.cfg, so there is" } else { "ha/groups.cfg defines" }
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let ha = &ctx.tree.ha;
    let Some(res) = &ha.resources else { return };
    for r in &res.resources {
        let Some(g) = &r.group else { continue };
        let def = ha.groups.iter().flat_map(|gs| gs.groups.iter()).find(|d| d.id.value == g.value);
        if def.is_some_and(|d| d.section.usable) {
            continue;
        }
        let mut d = META
            .at(g.span, message(&r.sid.value, &g.value, ha.groups.is_none()))
            .with_object(format!("ha:{}", r.sid.value))
            .with_key("group")
            .with_help(format!(
                "define group '{}' in ha/groups.cfg, name an existing group, or remove `group` from the resource",
                g.value
            ));
        if let Some(def) = def {
            d = d.with_label(def.id.span, "Proxmox skips this section (see its syntax finding)".to_string());
        }
        out.push(d);
    }
}
