//! S106: a `glusterfs` storage, a type PVE 9 removed.

use crate::context::Context;
use pvelint_parse::storage::StorageType;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    GlusterfsStorage,
    "S106",
    "glusterfs-storage",
    Error,
    "A storage of type glusterfs, which PVE 9 removed: the section is skipped and everything on it breaks."
);

/// At most this many guest volumes are pointed at; the message counts them all.
const MAX_LABELS: usize = 3;

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in ctx.tree.storage.iter() {
        if s.kind != StorageType::Glusterfs {
            continue;
        }
        let Some(span) = s.section.as_ref().map(|sec| sec.raw.kind.span).or(s.header) else { continue };
        let users: Vec<_> = ctx.volumes.iter().filter(|v| v.storage_id().is_some_and(|id| id.value == s.id)).collect();
        let used = match users.len() {
            0 => String::new(),
            1 => "; 1 guest volume is on it".to_string(),
            n => format!("; {n} guest volumes are on it"),
        };
        let mut d = META
            .at(
                span,
                format!(
                    "storage '{}' is of type glusterfs, which PVE 9 removed: its section is skipped as an unknown type, so storage '{}' does not exist there and every guest volume, backup and ISO on it fails{used} (pve8to9 refuses the upgrade)",
                    s.id, s.id
                ),
            )
            .with_help("before upgrading to PVE 9, move the data to another storage, or mount the GlusterFS volume yourself (fstab/systemd) and define a `dir` storage with `is_mountpoint` on it, then update the volume references")
            .with_object(s.object());
        for v in users.iter().take(MAX_LABELS) {
            if let Some(id) = v.storage_id() {
                d = d.with_label(id.span, format!("{} is on it", v.describe()));
            }
        }
        out.push(d);
    }
}
