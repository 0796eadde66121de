//! G106: one volume in the current config of two or more guests.

use crate::context::{Context, GuestVolume};
use pvelint_parse::guest::VolumeTarget;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    VolumeUsedBySeveralGuests,
    "G106",
    "volume-used-by-several-guests",
    Error,
    "The same volume is attached to two or more guests."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (volid, users) in ctx.repeated_volumes() {
        // ISO images, templates and snippets are meant to be shared.
        let users: Vec<GuestVolume> = users.into_iter().filter(|u| is_disk(*u)).collect();
        let mut vmids: Vec<u32> = users.iter().map(|u| u.guest.vmid).collect();
        vmids.sort_unstable();
        vmids.dedup();
        if vmids.len() < 2 {
            continue;
        }
        let mut seen = Vec::new();
        for u in &users {
            if seen.contains(&u.guest.vmid) {
                continue;
            }
            seen.push(u.guest.vmid);
            let mut others: Vec<GuestVolume> = Vec::new();
            for o in users.iter().filter(|o| o.guest.vmid != u.guest.vmid) {
                if !others.iter().any(|x| x.guest.vmid == o.guest.vmid) {
                    others.push(*o);
                }
            }
            let names: Vec<String> = others.iter().map(|o| o.describe()).collect();
            let verb = if others.len() == 1 { "uses" } else { "use" };
            let mut d = META
                .at(
                    u.vol.value,
                    format!("{} uses volume '{volid}', which {} also {verb}", u.describe(), names.join(" and ")),
                )
                .with_help(
                    "give each guest its own volume, or share the data through a bind mount of a host directory",
                );
            let backed_up =
                users.iter().filter(|o| o.backed_up()).map(|o| o.guest.vmid).collect::<std::collections::BTreeSet<_>>();
            match backed_up.len() {
                0 | 1 => {}
                2 => d.message.push_str("; both back it up"),
                n => d.message.push_str(&format!("; {n} guests back it up")),
            }
            for o in others {
                d = d.with_label(o.vol.value, format!("also used by {}", o.guest.label()));
            }
            out.push(d.with_object(format!("guest:{}", u.guest.vmid)).with_key(u.key()));
        }
    }
}

/// A disk or mount-point volume, not an ISO image, template, snippet or import file.
fn is_disk(v: GuestVolume) -> bool {
    let VolumeTarget::Volume(id) = &v.vol.target else { return false };
    let name = v.str(id.volname);
    let shared_kind = ["iso/", "vztmpl/", "snippets/", "import/"].iter().any(|p| name.starts_with(p));
    let cdrom = v.is_cdrom();
    !shared_kind && !cdrom && v.key() != "hookscript"
}
