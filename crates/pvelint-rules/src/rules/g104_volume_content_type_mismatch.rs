//! G104: a container volume on a storage without `rootdir` content, or a VM disk on a
//! storage without `images` content.

use crate::context::Context;
use pvelint_parse::guest::{GuestKind, VolumeTarget};
use pvelint_parse::storage::ContentType;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    VolumeContentTypeMismatch,
    "G104",
    "volume-content-type-mismatch",
    Warning,
    "A container volume is on a storage without `rootdir` content, or a VM disk on one without `images`."
);

/// Whether a key holds a guest disk that needs `rootdir` (CT) or `images` (VM) content.
fn is_disk_key(kind: GuestKind, key: &str) -> bool {
    let base = key.trim_end_matches(|c: char| c.is_ascii_digit());
    let has_index = base.len() < key.len();
    match kind {
        GuestKind::Lxc => key == "rootfs" || (base == "mp" && has_index),
        GuestKind::Qemu => {
            key == "efidisk0" || key == "tpmstate0" || (matches!(base, "ide" | "sata" | "scsi" | "virtio") && has_index)
        }
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for v in ctx.volumes().filter(|v| v.in_main()) {
        let VolumeTarget::Volume(id) = &v.vol.target else { continue };
        // Undefined or unusable storages are other rules' business (G101).
        let Some(s) = v.storage else { continue };
        if !s.usable {
            continue;
        }
        let kind = v.guest.kind;
        if !is_disk_key(kind, v.key()) {
            continue;
        }
        if v.is_cdrom() {
            continue;
        }
        // A volume of another content type used as a disk (`local:iso/x.img` on ide0):
        // Proxmox checks the volume's own type, which `iso/…` names.
        let need = match v.str(id.volname).split_once('/') {
            Some(("iso", _)) => ContentType::Iso,
            Some((dir, _)) if !dir.bytes().all(|b| b.is_ascii_digit()) => continue,
            _ if kind == GuestKind::Lxc => ContentType::Rootdir,
            _ => ContentType::Images,
        };
        if s.has_content(need) {
            continue;
        }
        let what = match need {
            ContentType::Iso => "ISO images",
            ContentType::Rootdir => "container volumes",
            _ => "VM disks",
        };
        let content: Vec<&str> = s.content.value.iter().map(|c| c.name()).collect();
        let content = if content.is_empty() { "none".to_string() } else { content.join(",") };
        let mut d = META
            .at(
                id.storage,
                format!(
                    "{} is on storage '{}', whose content ({content}) does not include `{}`, the content type of {what}; the API refuses to create, move or resize such volumes there, and pve8to9 warns about it",
                    v.describe(),
                    s.id,
                    need.name()
                ),
            )
            .with_help(format!(
                "add `{}` to the `content` of storage '{}', or move the volume to a storage that has it",
                need.name(),
                s.id
            ))
            .with_object(format!("guest:{}", v.guest.vmid))
            .with_key(v.key());
        if let Some(span) = s.content.span {
            d = d.with_label(
                span,
                if s.content.default { "default content of this storage" } else { "content set here" },
            );
        }
        out.push(d);
    }
}
