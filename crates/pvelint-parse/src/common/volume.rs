//! Volume IDs `storage:volname` (pve-storage `src/PVE/Storage.pm` → `parse_volume_id`
//! and the plugins' `parse_volname`).
//!
//! The storage part is `[a-z][a-z0-9._-]*[a-z0-9]` (case-insensitive) up to the first
//! `:`; the volume name is everything after it (non-empty, may hold `:` and `/`). The
//! owner VMID is read from the name the way the storage plugins do, without knowing the
//! storage type: `vm-N-…`, `base-N-…`, `subvol-N-…`, `basevol-N-…` (zfs, lvm, rbd, also
//! behind a `base-M-…/` linked-clone prefix), `N/…` (directory storages, where a linked
//! clone `M/base…/N/…` belongs to `N`), `backup/vzdump-(lxc|qemu|openvz)-N-…` and the PBS
//! form `backup/(vm|ct)/N/…`.

use crate::span::{Span, Spanned};
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::digit1;
use nom::combinator::{all_consuming, opt, verify};
use nom::sequence::{pair, terminated, tuple};
use nom::IResult;

/// A parsed `storage:volname`: spans into the file's text (see [`Span::of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolumeId {
    pub storage: Span,
    pub volname: Span,
    /// The VMID the name says the volume belongs to.
    pub owner: Option<u32>,
}

impl VolumeId {
    /// `storage:volname` as written.
    pub fn full(self) -> Span {
        Span { end: self.volname.end, ..self.storage }
    }
}

/// Whether `s` is a valid storage ID (`^[a-z][a-z0-9._-]*[a-z0-9]$`, case-insensitive).
pub fn is_valid_storage_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

fn storage_id(i: &str) -> IResult<&str, &str> {
    verify(take_while1(|c: char| c != ':'), is_valid_storage_id)(i)
}

/// Splits `storage:volname` as Proxmox does; `None` when it does not match (absolute
/// paths, bare names, an invalid storage ID, an empty volume name).
pub fn split_volume_id(s: &str) -> Option<(&str, &str)> {
    let (rest, storage) = terminated(storage_id, tag(":"))(s).ok()?;
    if rest.is_empty() || rest.contains('\n') {
        return None;
    }
    Some((storage, rest))
}

/// Parses a volume ID (a verbatim slice of a file with its span), with the spans of
/// both parts.
pub fn parse_volume_id(s: Spanned<&str>) -> Option<VolumeId> {
    let (storage, volname) = split_volume_id(s.value)?;
    let vol_start = storage.len() + 1;
    Some(VolumeId {
        storage: s.span.sub(0, storage.len()),
        volname: s.span.sub(vol_start, s.value.len()),
        owner: volname_owner(volname),
    })
}

fn vmid(i: &str) -> IResult<&str, u32> {
    let (rest, d) = digit1(i)?;
    match d.parse::<u32>() {
        Ok(n) => Ok((rest, n)),
        Err(_) => Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Digit))),
    }
}

fn non_space(i: &str) -> IResult<&str, &str> {
    take_while1(|c: char| !c.is_whitespace())(i)
}

fn segment(i: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c != '/' && !c.is_whitespace())(i)
}

/// `(vm|base|subvol|basevol)-N-\S+` with `\S+` not crossing a `/`.
fn prefixed_name(i: &str) -> IResult<&str, u32> {
    let (i, _) = nom::branch::alt((tag("vm-"), tag("basevol-"), tag("base-"), tag("subvol-")))(i)?;
    let (i, n) = terminated(vmid, tag("-"))(i)?;
    let (i, _) = segment(i)?;
    Ok((i, n))
}

/// zfs/lvm/rbd names, optionally behind a linked-clone `base-M-…/` prefix.
fn block_name(i: &str) -> IResult<&str, u32> {
    let (i, _) = opt(terminated(prefixed_name, tag("/")))(i)?;
    let (i, n) = prefixed_name(i)?;
    Ok((i, n))
}

/// Directory storages: `N/name` or the linked clone `M/base/N/name`.
fn dir_name(i: &str) -> IResult<&str, u32> {
    let mut linked = tuple((vmid, tag("/"), segment, tag("/"), vmid, tag("/"), non_space));
    if let Ok((rest, (_, _, _, _, n, _, _))) = linked(i) {
        return Ok((rest, n));
    }
    let (i, (n, _)) = pair(vmid, tag("/"))(i)?;
    let (i, _) = non_space(i)?;
    Ok((i, n))
}

/// `backup/vzdump-(lxc|qemu|openvz)-N-…` and PBS `backup/(vm|ct)/N/…`.
fn backup_name(i: &str) -> IResult<&str, u32> {
    let (i, _) = tag("backup/")(i)?;
    if let Ok((rest, (_, n))) = pair(
        nom::branch::alt((tag("vzdump-lxc-"), tag("vzdump-qemu-"), tag("vzdump-openvz-"))),
        terminated(vmid, tag("-")),
    )(i)
    {
        return Ok((rest, n));
    }
    let (i, (_, n, _)) = tuple((nom::branch::alt((tag("vm/"), tag("ct/"))), vmid, tag("/")))(i)?;
    Ok((i, n))
}

/// The owner VMID embedded in a volume name (see the module docs), if any.
pub fn volname_owner(volname: &str) -> Option<u32> {
    if let Ok((_, n)) = all_consuming(block_name)(volname) {
        return Some(n);
    }
    if let Ok((_, n)) = all_consuming(dir_name)(volname) {
        return Some(n);
    }
    if let Ok((_, n)) = backup_name(volname) {
        return Some(n);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn sp(text: &str, at: usize) -> Spanned<&str> {
        Spanned::new(text, Span::new(FileId(0), at, at + text.len()))
    }

    #[test]
    fn parses_storage_and_volname_with_spans() {
        let file = "x = usb-3tb:subvol-113-disk-0";
        let v = parse_volume_id(sp(&file[4..], 4)).unwrap();
        assert_eq!(v.storage.of(file), "usb-3tb");
        assert_eq!((v.storage.start, v.storage.end), (4, 11));
        assert_eq!(v.volname.of(file), "subvol-113-disk-0");
        assert_eq!((v.volname.start, v.volname.end), (12, 29));
        assert_eq!(v.owner, Some(113));
        assert_eq!(v.full().of(file), "usb-3tb:subvol-113-disk-0");
    }

    #[test]
    fn rejects_non_volume_ids() {
        for s in ["/mnt/data", "/dev/sdb1", "disk.raw", "a:vm-1-disk-0", "local:", ":x", "-x:y", "local-:x", "none", ""]
        {
            assert!(parse_volume_id(sp(s, 0)).is_none(), "{s}");
        }
        // Case-insensitive storage IDs, colons in the name.
        let file = "TrueNAS:iscsi:lun:0";
        let v = parse_volume_id(sp(file, 0)).unwrap();
        assert_eq!(v.storage.of(file), "TrueNAS");
        assert_eq!(v.volname.of(file), "iscsi:lun:0");
    }

    #[test]
    fn owners_of_all_shapes() {
        let cases: &[(&str, Option<u32>)] = &[
            ("vm-100-disk-0", Some(100)),
            ("base-9000-disk-1", Some(9000)),
            ("subvol-113-disk-0", Some(113)),
            ("basevol-200-disk-0", Some(200)),
            ("base-9000-disk-0/vm-101-disk-0", Some(101)),
            ("vm-104-cloudinit", Some(104)),
            ("100/vm-100-disk-3.raw", Some(100)),
            ("100/base-100-disk-0.qcow2/101/vm-101-disk-0.qcow2", Some(101)),
            ("101/anything.qcow2", Some(101)),
            ("backup/vzdump-lxc-106-2024_01_01-02_30_00.tar.zst", Some(106)),
            ("backup/ct/106/2024-01-01T02:30:00Z", Some(106)),
            ("iso/debian.iso", None),
            ("vztmpl/debian-12.tar.zst", None),
            ("snippets/hook.pl", None),
            ("vm-x-disk-0", None),
            ("vm-100-", None),
            ("vm-99999999999-disk-0", None),
            ("8", None),
        ];
        for (name, owner) in cases {
            assert_eq!(volname_owner(name), *owner, "{name}");
        }
    }

    #[test]
    fn storage_ids() {
        assert!(is_valid_storage_id("local-lvm"));
        assert!(is_valid_storage_id("Backups-SMB"));
        assert!(is_valid_storage_id("a.b_c-d9"));
        assert!(!is_valid_storage_id("a"));
        assert!(!is_valid_storage_id("1abc"));
        assert!(!is_valid_storage_id("abc-"));
        assert!(!is_valid_storage_id("ab c"));
        assert!(!is_valid_storage_id("ü-x"));
    }
}
