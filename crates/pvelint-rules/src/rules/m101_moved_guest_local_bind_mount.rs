//! M101 (what-if): a container that would move to another node has a bind or device
//! mount point not marked `shared=1`.

use crate::context::Context;
use pvelint_parse::guest::VolumeTarget;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    MovedGuestLocalBindMount,
    "M101",
    "moved-guest-local-bind-mount",
    Error,
    "What-if: a container moved to another node has a bind or device mount point that is not marked shared."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (from, g, v) in ctx.moved_guest_volumes() {
        let path = match v.vol.target {
            VolumeTarget::Bind(p) | VolumeTarget::Device(p) => v.str(p),
            _ => continue,
        };
        if v.flag("shared") == Some(true) {
            continue;
        }
        out.push(
            META.at(
                v.vol.value,
                format!(
                    "{} mounts host path '{path}' of node '{from}'; moving {} to node '{}' fails (\"cannot migrate local bind mount point '{}'\"), and the path would have to exist there too",
                    v.describe(),
                    g.label(),
                    g.node,
                    v.key()
                ),
            )
            .with_help(format!(
                "make '{path}' available on '{}' (same content) and set shared=1 on {}, or remove the mount point before the move",
                g.node, v.key()
            ))
            .with_object(format!("guest:{}", g.vmid))
            .with_key(v.key()),
        );
    }
}
