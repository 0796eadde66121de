//! `check --fix`: where fixes may be written, and the writing. The fixes themselves and
//! the passes that apply them are `pvelint_rules::fix` (no file system); this module is
//! the only place pvelint writes a file of a tree.
//!
//! pvelint never writes `/etc/pve`: a tree that is `/etc/pve`, lies on a FUSE mount (which
//! pmxcfs is) or holds the status files only pmxcfs shows (`.version`, `.vmlist`, `.rrd`,
//! `.clusterlog`) is refused. Files are written only inside the tree's directory, never
//! through a link, never under `priv/`, atomically and with their permissions kept.

use std::path::{Component, Path, PathBuf};

/// The status files pmxcfs generates in `/etc/pve`; a copy made with `pvelint collect`
/// or git has none of them (`.members` may be copied: it names the local node).
const LIVE_MARKERS: &[&str] = &[".version", ".vmlist", ".rrd", ".clusterlog"];

/// Why the tree at `dir` must not be written (`None`: a copy). `mountinfo` is the text of
/// `/proc/self/mountinfo` (empty where there is none).
pub fn live_reason(dir: &Path, mountinfo: &str) -> Option<String> {
    let abs = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if abs.starts_with("/etc/pve") {
        return Some(format!("{} is the live /etc/pve", dir.display()));
    }
    if let Some(m) = mount_of(&abs, mountinfo) {
        if m.fstype == "fuse" || m.fstype.starts_with("fuse.") {
            return Some(format!(
                "{} lies on a FUSE mount ({} at {}), as the live /etc/pve (pmxcfs) does",
                dir.display(),
                m.fstype,
                m.mount_point
            ));
        }
    }
    for pve in [abs.clone(), abs.join("pve"), abs.join("etc/pve")] {
        if let Some(marker) = LIVE_MARKERS.iter().find(|f| std::fs::symlink_metadata(pve.join(f)).is_ok()) {
            return Some(format!(
                "{} holds {marker}, a status file only the live /etc/pve (pmxcfs) has",
                pve.display()
            ));
        }
    }
    None
}

/// A mount of `/proc/self/mountinfo`: mount point and file system type.
struct MountLine {
    mount_point: String,
    fstype: String,
}

/// The mount that holds `path`: the longest mount point that is an ancestor of it (every
/// mount counts here, pseudo file systems too, unlike the facts).
fn mount_of(path: &Path, mountinfo: &str) -> Option<MountLine> {
    let unescape = crate::facts::sources::unescape_octal;
    mountinfo
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let sep = fields.iter().position(|f| *f == "-")?;
            let (mount_point, fstype) = (unescape(fields.get(4)?), unescape(fields.get(sep + 1)?));
            path.starts_with(&mount_point).then_some(MountLine { mount_point, fstype })
        })
        .max_by_key(|m| m.mount_point.len())
}

/// Whether `rel` (a path of the tree, relative to its directory) may be written: no
/// absolute path, no `..`, nothing under `priv/`.
fn allowed(rel: &Path) -> Result<(), String> {
    if rel.is_absolute() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err("it is not a plain path inside the tree".into());
    }
    if rel.components().any(|c| c.as_os_str() == "priv") {
        return Err("it lies under priv/".into());
    }
    Ok(())
}

/// Writes the fixed text of one file of the tree at `root`: `rel` relative to it, `old`
/// the bytes the fixes were computed on. Refuses a link (the file or a directory on the
/// way), a file outside the tree, one under `priv/`, and one that changed on disk since it
/// was read.
pub fn write(root: &Path, rel: &str, old: &str, new: &str) -> Result<PathBuf, String> {
    let (path, permissions) = target(root, rel, old)?;
    crate::facts::write_atomic_with(&path, new.as_bytes(), Some(permissions)).map_err(|e| e.to_string())?;
    Ok(path)
}

/// The checks of [`write`] without the writing (the CLI checks every file before it
/// writes one): the path to write and the file's permissions.
pub fn target(root: &Path, rel: &str, old: &str) -> Result<(PathBuf, std::fs::Permissions), String> {
    let rel_path = Path::new(rel);
    allowed(rel_path)?;
    let path = root.join(rel_path);
    let root_abs = std::fs::canonicalize(root).map_err(|e| format!("cannot resolve the tree: {e}"))?;
    let parent = path.parent().ok_or("it has no directory")?;
    let parent_abs = std::fs::canonicalize(parent).map_err(|e| e.to_string())?;
    // The directory, reached without a link: its resolved path is the tree's plus the
    // components written.
    let expected = rel_path.parent().map_or(root_abs.clone(), |p| root_abs.join(p));
    if parent_abs != expected || !parent_abs.starts_with(&root_abs) {
        return Err("a directory on the way is a link".into());
    }
    let meta = std::fs::symlink_metadata(&path).map_err(|e| e.to_string())?;
    if !meta.file_type().is_file() {
        return Err("it is not a regular file (a link?)".into());
    }
    let current = std::fs::read(&path).map_err(|e| e.to_string())?;
    if current != old.as_bytes() {
        return Err("it changed since it was read".into());
    }
    Ok((path, meta.permissions()))
}

/// The text of `/proc/self/mountinfo`, or nothing.
pub fn read_mountinfo() -> String {
    std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuse_mounts_and_etc_pve_are_live() {
        let dir = tempfile::tempdir().unwrap();
        let d = std::fs::canonicalize(dir.path()).unwrap();
        let fuse = format!("65 25 0:54 / {} rw - fuse /dev/fuse rw\n", d.display());
        assert!(live_reason(&d, &fuse).is_some_and(|r| r.contains("FUSE")));
        let ext4 = format!("65 25 0:54 / {} rw - ext4 /dev/sda1 rw\n1 0 0:1 / / rw - fuse.x x rw\n", d.display());
        assert_eq!(live_reason(&d, &ext4), None);
        assert!(live_reason(Path::new("/etc/pve"), "").is_some());
        std::fs::write(d.join(".vmlist"), "").unwrap();
        assert!(live_reason(&d, &ext4).is_some_and(|r| r.contains(".vmlist")));
    }

    #[test]
    fn only_plain_paths_below_the_tree_outside_priv_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("priv")).unwrap();
        std::fs::write(root.join("storage.cfg"), "a\n").unwrap();
        std::fs::write(root.join("priv/x.cfg"), "a\n").unwrap();
        assert!(write(root, "priv/x.cfg", "a\n", "b\n").is_err());
        assert!(write(root, "../storage.cfg", "a\n", "b\n").is_err());
        assert!(write(root, "/etc/passwd", "a\n", "b\n").is_err());
        assert!(write(root, "storage.cfg", "other\n", "b\n").is_err(), "changed on disk since read");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let outside = tempfile::tempdir().unwrap();
            std::fs::write(outside.path().join("t.cfg"), "a\n").unwrap();
            std::os::unix::fs::symlink(outside.path().join("t.cfg"), root.join("link.cfg")).unwrap();
            std::os::unix::fs::symlink(outside.path(), root.join("dir")).unwrap();
            assert!(write(root, "link.cfg", "a\n", "b\n").is_err());
            assert!(write(root, "dir/t.cfg", "a\n", "b\n").is_err());
            assert_eq!(std::fs::read_to_string(outside.path().join("t.cfg")).unwrap(), "a\n");
            std::fs::set_permissions(root.join("storage.cfg"), std::fs::Permissions::from_mode(0o640)).unwrap();
            write(root, "storage.cfg", "a\n", "b\n").unwrap();
            let meta = std::fs::metadata(root.join("storage.cfg")).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o640);
        }
        assert_eq!(std::fs::read_to_string(root.join("storage.cfg")).unwrap(), "b\n");
    }
}
