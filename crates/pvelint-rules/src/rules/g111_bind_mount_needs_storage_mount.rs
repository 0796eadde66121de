//! G111: a container that starts on boot bind-mounts a host directory inside another
//! storage's mount point (a zfspool, an `is_mountpoint` dir, a network mount): when that
//! mount is not there at boot, the container does not start.

use super::s104_removable_dir_without_mountpoint_check::{innermost, mount_index, MountDir};
use crate::context::Context;
use crate::Diagnostic;
use pvelint_parse::guest::VolumeTarget;
use pvelint_parse::storage::StorageType;

crate::declare_rule!(
    BindMountNeedsStorageMount,
    "G111",
    "bind-mount-needs-storage-mount",
    Info,
    "A container that starts on boot bind-mounts a directory inside another storage's mount point, so it fails to start when that mount is missing at boot."
);

/// What mounts the directory, for the message.
fn mounted_by(m: &MountDir) -> String {
    match (&m.zpool, &m.storage.kind) {
        (Some(pool), _) => format!("ZFS pool '{pool}' (of storage '{}')", m.storage.id),
        (None, StorageType::ZfsPool) => format!(
            "ZFS pool '{}' (storage '{}')",
            m.storage.pool.as_ref().map_or(m.storage.id.as_str(), |p| p.value.as_str()),
            m.storage.id
        ),
        (None, k) if k.is_network() => format!("the network mount of storage '{}'", m.storage.id),
        (None, _) => format!("the disk mounted for storage '{}' (`is_mountpoint`)", m.storage.id),
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let mut index = None;
    for g in ctx.tree.guests.iter().filter(|g| Context::is_ct(g)) {
        let Some(onboot) = g.config.get("onboot") else { continue };
        if !matches!(g.config.value(onboot).to_ascii_lowercase().as_str(), "1" | "yes" | "on" | "true") {
            continue;
        }
        for v in ctx.volumes_of(g.vmid).filter(|v| v.in_main() && std::ptr::eq(v.guest, g)) {
            let VolumeTarget::Bind(p) = v.vol.target else { continue };
            let path = v.str(p);
            let index = index.get_or_insert_with(|| mount_index(ctx));
            let Some(m) = innermost(index, None, path) else { continue };
            out.push(
                META.at(
                    v.vol.value,
                    format!(
                        "{} bind-mounts {path}, which lies in {}, the mount of {}; {} starts on boot (`onboot: 1`), and when that mount is not there yet (a pool not imported, a disk or share not mounted) the container does not start (the bind mount's source is missing), or it starts on the empty directory of the root filesystem",
                        v.describe(),
                        m.dir,
                        mounted_by(m),
                        g.label()
                    ),
                )
                .with_label(onboot_span(g, onboot), "starts on boot")
                .with_help(format!(
                    "make sure {} is mounted before guests start (the pool imported by zfs-import-cache/zfs-import-scan, the fstab entry not `nofail`), or delay the container with `startup: up=…` / order after the mount; a storage-backed mount point (`mpN: <storage>:…`) lets Proxmox activate the storage first",
                    m.dir
                ))
                .with_object(format!("guest:{}", g.vmid))
                .with_key(v.key()),
            );
        }
    }
}

fn onboot_span(g: &pvelint_parse::Guest, e: &pvelint_parse::guest::Entry) -> pvelint_parse::Span {
    g.config.line(e)
}
