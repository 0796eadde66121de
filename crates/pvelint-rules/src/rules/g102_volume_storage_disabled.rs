//! G102: a guest volume on a disabled storage.

use crate::context::{Context, StorageStatus};
use crate::wording::{backup_note, volume_severity};
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    VolumeStorageDisabled,
    "G102",
    "volume-storage-disabled",
    Error,
    "A guest volume is on a storage that is disabled."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for v in ctx.volumes().filter(|v| v.is_volume()) {
        let StorageStatus::Disabled(line) = ctx.volume_status(&v) else { continue };
        let Some(sid) = v.storage_id() else { continue };
        out.push(
            META.at(
                sid.span,
                format!("{}{} is on storage '{}', which is disabled", v.describe(), backup_note(v), sid.value),
            )
            .with_severity(volume_severity(v))
            .with_label(line, "disabled here")
            .with_help("enable the storage again, or move the volume to an enabled storage")
            .with_object(format!("guest:{}", v.guest.vmid))
            .with_key(v.key()),
        );
    }
}
