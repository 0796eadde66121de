//! G106: one volume in the current config of two or more guests.

use crate::context::Context;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    VolumeUsedBySeveralGuests,
    "G106",
    "volume-used-by-several-guests",
    Error,
    "The same volume is attached to two or more guests."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (volid, users) in ctx.volume_users() {
        let mut vmids: Vec<u32> = users.iter().map(|u| u.guest.vmid).collect();
        vmids.dedup();
        if vmids.len() < 2 {
            continue;
        }
        for u in &users {
            let others: Vec<_> = users.iter().filter(|o| o.guest.vmid != u.guest.vmid).collect();
            let names: Vec<String> = others.iter().map(|o| o.describe()).collect();
            let mut d = META
                .at(
                    u.vol.value.span,
                    format!("{} uses volume '{volid}', which {} also uses", u.describe(), names.join(" and ")),
                )
                .with_help(
                    "give each guest its own volume, or share the data through a bind mount of a host directory",
                );
            for o in others {
                d = d.with_label(o.vol.value.span, format!("also used by {}", o.guest.label()));
            }
            if u.backed_up() && others_backed_up(&users, u.guest.vmid) {
                d.message.push_str("; both back it up");
            }
            out.push(d.with_object(format!("guest:{}", u.guest.vmid)).with_key(&u.vol.key.value));
        }
    }
}

fn others_backed_up(users: &[&crate::context::GuestVolume], vmid: u32) -> bool {
    users.iter().any(|o| o.guest.vmid != vmid && o.backed_up())
}
