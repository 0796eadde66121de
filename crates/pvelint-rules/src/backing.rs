//! What backs a storage on a node, and whether a node's facts show it there: the
//! questions the `N…` rules (configuration against node facts) share.

use pvelint_parse::facts::{NodeFacts, PathState};
use pvelint_parse::storage::{Storage, StorageType};

/// Whether a node has what a storage needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Presence {
    Present,
    /// Absent, with what the facts show (`its zfs pool 'tank' is not imported`).
    Absent(String),
    /// The facts cannot tell (a type pvelint does not check, or a path not probed).
    Unknown,
}

/// The ZFS pool of a zfspool storage: the first component of `pool`.
pub fn zfs_pool(s: &Storage) -> Option<&str> {
    if s.kind != StorageType::ZfsPool {
        return None;
    }
    s.pool.as_ref().map(|p| p.value.split('/').next().unwrap_or(&p.value))
}

/// The mount point a storage needs mounted: a zfspool's `mountpoint`, a dir storage's
/// `is_mountpoint` (`yes`: its path; a path: that one), a network storage's path.
pub fn required_mount(s: &Storage) -> Option<String> {
    match s.kind {
        StorageType::ZfsPool => s.mountpoint.as_ref().map(|m| m.value.clone()),
        StorageType::Nfs | StorageType::Cifs | StorageType::CephFs | StorageType::Glusterfs => {
            s.path.as_ref().map(|p| p.value.clone())
        }
        StorageType::Dir | StorageType::Btrfs => {
            let path = &s.path.as_ref()?.value;
            let v = &s.is_mountpoint.as_ref()?.value;
            match v.to_ascii_lowercase().as_str() {
                "1" | "on" | "yes" | "true" => Some(path.clone()),
                _ if v.starts_with('/') => Some(pvelint_parse::storage::canonpath(v)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether the node of `nf` has the backing of `s`.
pub fn presence(s: &Storage, nf: &NodeFacts) -> Presence {
    let f = &nf.facts;
    if let Some(pool) = zfs_pool(s) {
        return if f.has_pool(pool) {
            Presence::Present
        } else {
            Presence::Absent(format!("its zfs pool '{pool}' is not imported"))
        };
    }
    if s.kind == StorageType::LvmThin {
        let (Some(vg), Some(pool)) =
            (s.section.as_ref().and_then(|x| x.get("vgname")), s.section.as_ref().and_then(|x| x.get("thinpool")))
        else {
            return Presence::Unknown;
        };
        let found = f.has_thin_pool(&vg.value, &pool.value);
        return if found {
            Presence::Present
        } else {
            Presence::Absent(format!("its thin pool '{}/{}' is not active", vg.value, pool.value))
        };
    }
    if let Some(mount) = required_mount(s) {
        if !f.is_mount_point(&mount) {
            return Presence::Absent(format!("nothing is mounted at '{mount}'"));
        }
    }
    if let Some(p) = s.path.as_ref().and_then(|p| f.path(&p.value)) {
        return match p.state {
            PathState::Missing => Presence::Absent(format!("its path '{}' does not exist", p.path)),
            PathState::Present => Presence::Present,
            PathState::Hung | PathState::Error => Presence::Unknown,
        };
    }
    if required_mount(s).is_some() {
        return Presence::Present;
    }
    Presence::Unknown
}

/// Bounded lists of names for messages: at most five, then "and N more".
pub fn some_of(names: &[String]) -> String {
    const MAX: usize = 5;
    let shown: Vec<&str> = names.iter().take(MAX).map(String::as_str).collect();
    let mut s = shown.join(", ");
    if names.len() > MAX {
        s.push_str(&format!(" and {} more", names.len() - MAX));
    }
    s
}
