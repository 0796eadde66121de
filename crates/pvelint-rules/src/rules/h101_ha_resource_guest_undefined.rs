//! H101: an HA resource (`vm: N` / `ct: N`) whose guest does not exist, or is of the
//! other type.

use crate::context::Context;
use pvelint_parse::guest::GuestKind;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    HaResourceGuestUndefined,
    "H101",
    "ha-resource-guest-undefined",
    Warning,
    "An HA resource names a guest that does not exist, or a VM as `ct` / a container as `vm`."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(res) = &ctx.tree.ha.resources else { return };
    // A tree without any guest config is a partial copy (no nodes/ directory): whether a
    // guest exists cannot be told.
    for r in &res.resources {
        let Some(vmid) = r.vmid else { continue };
        let want = match r.kind.value.as_str() {
            "vm" => GuestKind::Qemu,
            "ct" => GuestKind::Lxc,
            _ => continue,
        };
        let guests = ctx.guests_with_vmid(vmid);
        if guests.iter().any(|g| g.kind == want) {
            continue;
        }
        let d = match guests.first() {
            None => META
                .at(
                    r.sid.span,
                    format!(
                        "HA resource '{}' names guest {vmid}, but no node has a config for VMID {vmid}; the HA manager finds no node for the service and cannot start, recover or migrate anything for it",
                        r.sid.value
                    ),
                )
                .with_help(format!(
                    "remove the resource if the guest is gone (`ha-manager remove {}`), or correct the VMID",
                    r.sid.value
                )),
            Some(g) => {
                let (right, wrong) = match g.kind {
                    GuestKind::Lxc => ("ct", "a container"),
                    GuestKind::Qemu => ("vm", "a VM"),
                };
                META.at(
                    r.sid.span,
                    format!(
                        "HA resource '{}' manages {vmid} as a {}, but {} is {wrong} (on node '{}'); the HA manager drives it with the {} commands, so starting, stopping and migrating it fail",
                        r.sid.value,
                        if want == GuestKind::Qemu { "VM" } else { "container" },
                        g.label(),
                        g.node,
                        if want == GuestKind::Qemu { "VM" } else { "container" },
                    ),
                )
                .with_label(ctx.guest_anchor(g), format!("{} is defined here", g.label()))
                .with_help(format!("write the resource as `{right}: {vmid}`"))
            }
        };
        out.push(d.with_object(format!("ha:{}", r.sid.value)));
    }
}
