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

/// A directory that is a mount of its own, and what mounts it.
pub(crate) struct MountDir<'a> {
    pub dir: String,
    pub storage: &'a Storage,
    /// `Some(pool)`: not the storage's own mount point but the default mount point
    /// (`/<pool>`) of the ZFS pool that holds its dataset (`pool tank/vms` → `/tank`).
    pub zpool: Option<String>,
}

/// Every mount of its own, sorted by directory (then storage order): the index that
/// finds the innermost mount holding a path in O(depth · log n).
pub(crate) fn mount_index<'a>(ctx: &Context<'a>) -> Vec<MountDir<'a>> {
    let mut index = Vec::new();
    for s in ctx.tree.storage.iter() {
        let Some(dir) = mount_dir(s) else { continue };
        // `pool tank/vms`: the pool `tank` itself is a mount too (by default at /tank),
        // and directories beside the dataset are on it.
        if s.kind == StorageType::ZfsPool {
            if let Some((root, _)) = s.pool.as_ref().and_then(|p| p.value.split_once('/')) {
                if !root.is_empty() {
                    index.push(MountDir { dir: format!("/{root}"), storage: s, zpool: Some(root.to_string()) });
                }
            }
        }
        index.push(MountDir { dir: dir.trim_end_matches('/').to_string(), storage: s, zpool: None });
    }
    index.sort_by(|a, b| a.dir.cmp(&b.dir));
    index
}

/// The innermost mount that holds `path` or is `path` itself, other than storage `not`:
/// `path` and then each of its parent directories, looked up in the sorted index.
pub(crate) fn innermost<'i, 'a>(index: &'i [MountDir<'a>], not: Option<&str>, path: &str) -> Option<&'i MountDir<'a>> {
    let mut p = path.trim_end_matches('/');
    while !p.is_empty() {
        let start = index.partition_point(|m| m.dir.as_str() < p);
        if let Some(m) = index[start..].iter().take_while(|m| m.dir == p).find(|m| not != Some(m.storage.id.as_str())) {
            return Some(m);
        }
        p = &p[..p.rfind('/').unwrap_or(0)];
    }
    None
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let index = mount_index(ctx);
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
        let parent = innermost(&index, Some(&s.id), p);
        let (reason, help) = if let Some(MountDir { dir, storage: o, zpool }) = parent {
            let whose = match zpool {
                Some(pool) => format!("the default mount point of ZFS pool '{pool}', which holds storage '{}'", o.id),
                None => format!("the mount point of storage '{}'", o.id),
            };
            let where_ = if p.trim_end_matches('/') == dir { "it is".to_string() } else { "it lies inside".to_string() };
            (
                format!("{where_} {dir}, {whose}"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use pvelint_parse::{load, InputFile, TreeInput};

    /// 20,000 storages: the sorted index answers each path in a few lookups (comparing
    /// every pair took 7 s in a release build).
    #[test]
    fn many_storages_in_near_linear_time() {
        let mut cfg = String::new();
        for i in 0..10_000 {
            cfg.push_str(&format!("zfspool: z{i}\n\tpool tank{i}/vms\n\tcontent images\n\n"));
            cfg.push_str(&format!("dir: d{i}\n\tpath /tank{i}/vms/dump\n\tcontent backup\n\n"));
        }
        let tree = load(TreeInput { files: vec![InputFile::new("storage.cfg", cfg.into_bytes())], ..TreeInput::default() });
        let ctx = Context::new(&tree);
        let start = std::time::Instant::now();
        let mut out = Vec::new();
        check(&ctx, &mut out);
        assert_eq!(out.len(), 10_000);
        assert!(start.elapsed() < std::time::Duration::from_secs(3), "{:?}", start.elapsed());
    }
}
