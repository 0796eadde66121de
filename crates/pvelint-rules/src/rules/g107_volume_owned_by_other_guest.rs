//! G107: a guest uses a volume whose name says it belongs to another guest.

use crate::context::Context;
use pvelint_parse::guest::VolumeTarget;
use pvelint_parse::Diagnostic;
use std::collections::HashSet;

crate::declare_rule!(
    VolumeOwnedByOtherGuest,
    "G107",
    "volume-owned-by-other-guest",
    Warning,
    "A guest uses a volume whose name gives another guest's VMID as owner."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // A volume that G106 reports, with its owner among its users, is one finding there
    // (at a non-owner, the owner as a label): G107 would repeat it on the same line.
    let said = std::cell::OnceCell::new();
    let said = || -> &HashSet<&str> {
        said.get_or_init(|| {
            super::g106_volume_used_by_several_guests::shared_volumes(ctx)
                .into_iter()
                .filter(|s| s.owner_among_users())
                .map(|s| s.volid)
                .collect()
        })
    };
    for v in ctx.volumes().filter(|v| v.in_main()) {
        let VolumeTarget::Volume(id) = &v.vol.target else { continue };
        let Some(owner) = id.owner else { continue };
        // Linked clones use their base image read-only: `base-<N>-…` is fine.
        if owner == v.guest.vmid || v.str(id.volname).contains("base-") {
            continue;
        }
        if said().contains(v.str(id.full())) {
            continue;
        }
        let owner_guest = ctx.guest(owner);
        let mut d = META.at(
            id.volname,
            format!(
                "{} uses volume '{}', which belongs to {} by its name",
                v.describe(),
                v.str(id.full()),
                owner_guest.map_or(format!("VMID {owner} (no such guest)"), |g| g.label())
            ),
        );
        if let Some(g) = owner_guest {
            if let Some(o) = ctx.volumes_of(g.vmid).find(|o| o.in_main() && o.value() == v.value()) {
                d = d.with_label(o.vol.value, format!("{} uses it too", g.label()));
            }
        }
        if owner_guest.is_none() {
            // No guest owns it today; the risk is a future guest with that VMID.
            d = d.with_severity(crate::Severity::Info);
        }
        out.push(
            d.with_help(if owner_guest.is_some() {
                format!(
                    "destroying or restoring VMID {owner} deletes this volume, and replication and migration treat it as {owner}'s; give {} its own volume",
                    v.guest.label()
                )
            } else {
                format!(
                    "a guest created later as VMID {owner} would own this volume: destroying it (with unreferenced disks) deletes it; rename the volume to {}'s VMID",
                    v.guest.label()
                )
            })
            .with_object(format!("guest:{}", v.guest.vmid))
            .with_key(v.key()),
        );
    }
}
