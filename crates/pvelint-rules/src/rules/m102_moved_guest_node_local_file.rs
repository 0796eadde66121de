//! M102 (what-if): a guest that would move to another node uses a hook script or an ISO
//! image on a storage that is not shared, so the file stays on the old node.

use crate::context::Context;
use pvelint_parse::guest::VolumeTarget;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    MovedGuestNodeLocalFile,
    "M102",
    "moved-guest-node-local-file",
    Warning,
    "What-if: a guest moved to another node uses a hook script or ISO image that stays on the old node."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (from, g, v) in ctx.moved_guest_volumes() {
        let VolumeTarget::Volume(id) = &v.vol.target else { continue };
        let Some(s) = v.storage else { continue };
        if s.shared.value {
            continue;
        }
        let name = v.str(id.volname);
        let (what, effect) = if v.key() == "hookscript" {
            ("hook script", "the guest does not start there (the hook script is missing)")
        } else if name.starts_with("iso/") {
            ("ISO image", "Proxmox refuses to migrate a guest with a local CD-ROM image")
        } else {
            continue;
        };
        out.push(
            META.at(
                v.vol.value,
                format!(
                    "{} uses {what} '{}' on storage '{}', which is not shared: the file is on node '{from}'; after moving {} to '{}', {effect}",
                    v.describe(),
                    v.str(id.full()),
                    s.id,
                    g.label(),
                    g.node
                ),
            )
            .with_help(format!("copy the file to the same storage on '{}', or move it to a shared storage first (or eject the ISO)", g.node))
            .with_object(format!("guest:{}", g.vmid))
            .with_key(v.key()),
        );
    }
}
