//! G106: one volume in the current config of two or more guests.

use crate::context::{Context, GuestVolume};
use pvelint_parse::diag::{bounded_list, thousands};
use pvelint_parse::guest::VolumeTarget;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    VolumeUsedBySeveralGuests,
    "G106",
    "volume-used-by-several-guests",
    Error,
    "The same volume is attached to two or more guests."
);

/// A volume G106 reports: its ID, the VMID its name gives as owner, and one use per
/// guest (the first, in guest order) of the two or more guests that attach it.
pub(crate) struct SharedVolume<'a> {
    pub volid: &'a str,
    pub owner: Option<u32>,
    pub users: Vec<GuestVolume<'a>>,
}

impl SharedVolume<'_> {
    /// The owner (by the volume's name) is one of the guests that attach it.
    pub fn owner_among_users(&self) -> bool {
        self.owner.is_some_and(|o| self.users.iter().any(|u| u.guest.vmid == o))
    }
}

/// The disk volumes that two or more guests attach in their current config.
pub(crate) fn shared_volumes<'a>(ctx: &Context<'a>) -> Vec<SharedVolume<'a>> {
    let mut out = Vec::new();
    for (volid, uses) in ctx.repeated_volumes() {
        // ISO images, templates and snippets are meant to be shared.
        let mut seen = std::collections::HashSet::new();
        let users: Vec<GuestVolume<'a>> =
            uses.iter().copied().filter(|u| is_disk(*u)).filter(|u| seen.insert(u.guest.vmid)).collect();
        if users.len() < 2 {
            continue;
        }
        let owner = match users[0].vol.target {
            VolumeTarget::Volume(id) => id.owner,
            _ => None,
        };
        out.push(SharedVolume { volid, owner, users });
    }
    out
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for shared in shared_volumes(ctx) {
        let SharedVolume { volid, owner, users } = &shared;
        // One finding per volume, where it must be fixed: at the first guest that is not
        // the owner its name gives (the owner keeps it); the other users are labels.
        let at = users.iter().position(|u| Some(u.guest.vmid) != *owner).unwrap_or(0);
        let u = users[at];
        let others: Vec<GuestVolume> = users.iter().enumerate().filter(|(i, _)| *i != at).map(|(_, o)| *o).collect();
        let verb = if others.len() == 1 { "uses" } else { "use" };
        let mut d = META
            .at(
                u.vol.value,
                format!(
                    "{} uses volume '{volid}', which {} also {verb}",
                    u.describe(),
                    bounded_list(others.iter().map(|o| o.describe()), ", ", " and ")
                ),
            )
            .with_help("give each guest its own volume, or share the data through a bind mount of a host directory");
        let backed_up = users.iter().filter(|o| o.backed_up()).count();
        match backed_up {
            0 | 1 => {}
            2 => d.message.push_str("; both back it up"),
            n => d.message.push_str(&format!("; {} guests back it up", thousands(n))),
        }
        let owner_label = |o: &GuestVolume| -> String {
            if Some(o.guest.vmid) == *owner {
                format!("also used by {}, which owns it by its name", o.guest.label())
            } else {
                format!("also used by {}", o.guest.label())
            }
        };
        d = d.with_related(others.iter(), |o| (o.vol.value, owner_label(o)));
        out.push(d.with_object(format!("guest:{}", u.guest.vmid)).with_key(u.key()));
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
