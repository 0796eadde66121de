//! S104: a dir/btrfs storage on what is usually a separately mounted disk, without
//! `is_mountpoint`: when the disk is missing, Proxmox writes onto the root filesystem.

use crate::context::{Context, SYSTEM_STORAGES};
use pvelint_parse::storage::{Storage, StorageType};
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    RemovableDirWithoutMountpointCheck,
    "S104",
    "removable-dir-without-mountpoint-check",
    Warning,
    "A dir/btrfs storage on a separately mounted disk has no `is_mountpoint`: without the disk, data lands on the root filesystem."
);

/// The directory that must be mounted for `s` to be there, when it is a mount of its own:
/// a network storage's mount point, a non-system zfspool's mount point, or a dir/btrfs
/// with `is_mountpoint`.
fn mount_dir(s: &Storage) -> Option<String> {
    if !s.usable || SYSTEM_STORAGES.contains(&s.id.as_str()) {
        return None;
    }
    if let Some(v) = checked_mount(s) {
        return Some(v);
    }
    let fs = s.fs_path()?;
    let separate = match s.kind {
        StorageType::ZfsPool => !s.pool.as_ref().is_some_and(|p| p.value == "rpool" || p.value.starts_with("rpool/")),
        _ => s.kind.is_network(),
    };
    (separate && fs.value != "/").then(|| fs.value.clone())
}

/// The mount point `is_mountpoint` makes Proxmox check, if any (`yes`/`1`: the path).
fn checked_mount(s: &Storage) -> Option<String> {
    let v = s.is_mountpoint.as_ref()?;
    match v.value.to_ascii_lowercase().as_str() {
        "0" | "no" | "off" | "false" => None,
        "1" | "yes" | "on" | "true" => s.path.as_ref().map(|p| p.value.clone()),
        _ => Some(pvelint_parse::storage::canonpath(&v.value)),
    }
}

fn under(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in ctx.tree.storage.iter() {
        if !matches!(s.kind, StorageType::Dir | StorageType::Btrfs) || !s.usable || s.is_disabled() || s.builtin {
            continue;
        }
        if checked_mount(s).is_some() {
            continue;
        }
        let Some(path) = &s.path else { continue };
        let Some(span) = path.span else { continue };
        let p = path.value.as_str();
        // The innermost other storage that is a mount of its own and holds the path.
        let parent = ctx
            .tree
            .storage
            .iter()
            .filter(|o| o.id != s.id)
            .filter_map(|o| mount_dir(o).filter(|d| under(p, d)).map(|d| (o, d)))
            .max_by_key(|(_, d)| d.len());
        let (reason, help) = if let Some((o, dir)) = parent {
            (
                format!("it lies inside {dir}, the mount point of storage '{}'", o.id),
                format!(
                    "add `is_mountpoint {dir}` so that Proxmox refuses to use storage '{}' while {dir} is not mounted",
                    s.id
                ),
            )
        } else if let Some(pre) =
            ["/mnt/", "/media/", "/srv/"].into_iter().find(|pre| p.starts_with(pre) && !p.starts_with("/mnt/pve/"))
        {
            (
                format!("{p} is under {}, where separately mounted disks usually live", pre.trim_end_matches('/')),
                format!("add `is_mountpoint yes` if {p} is itself the mount point, or `is_mountpoint <mount point>` if it is a directory on the mounted disk; if {p} really is on the root filesystem, `is_mountpoint no` states that"),
            )
        } else {
            continue;
        };
        let mut d = META
            .at(
                span,
                format!(
                    "storage '{}' has path {p} without `is_mountpoint`, and {reason}; when that disk is not mounted, Proxmox creates the directory and its sub-directories on the root filesystem and writes backups and disk images there, filling the system disk, and the guests' data is not where the disk is",
                    s.id
                ),
            )
            .with_help(help)
            .with_object(s.object())
            .with_key("path");
        if let Some(sec) = &s.section {
            for key in ["create-base-path", "mkdir"] {
                if sec.get(key).is_some_and(|v| v.value == "0") {
                    if let Some(line) = sec.key_line(key) {
                        d = d.with_label(
                            line,
                            format!("`{key} 0` does not prevent this: the empty mount-point directory usually exists, and volumes are still created under it"),
                        );
                    }
                }
            }
        }
        out.push(d);
    }
}
