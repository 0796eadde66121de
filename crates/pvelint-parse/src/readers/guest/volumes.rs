//! Volume references: which values of a guest config name a volume, a host path or a
//! device, and what vzdump does with each.

use super::*;

pub(super) fn split_index(key: &str) -> (&str, Option<u32>) {
    let base = key.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = &key[base.len()..];
    if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
        return (key, None);
    }
    (base, digits.parse().ok())
}

pub(super) fn classify_path(v: Spanned<&str>) -> Option<VolumeTarget> {
    if v.value.starts_with("/dev/") {
        Some(VolumeTarget::Device(v.span))
    } else if v.value.starts_with('/') {
        Some(VolumeTarget::Bind(v.span))
    } else {
        None
    }
}

pub(super) fn default_value<'t>(text: &'t str, props: &PropString, alias: &[&str]) -> Option<Spanned<&'t str>> {
    match props.positional() {
        Some(p) => Some(p.spanned(text)),
        None => alias.iter().find_map(|k| props.get(text, k)),
    }
}

/// `at`: (section, entry) indexes.
pub(super) fn lxc_volume(text: &str, at: (u32, u32), section: &GuestSection, e: &Entry, out: &mut Vec<VolumeRef>) {
    let key = e.key_str(text);
    let (base, idx) = split_index(key);
    let main = section.kind == SectionKind::Main;
    let kind = match (base, idx) {
        ("rootfs", None) => "rootfs",
        ("mp", Some(_)) => "mp",
        ("unused", Some(_)) => "unused",
        ("hookscript", None) => "hookscript",
        _ => return,
    };
    let evalue = e.value.spanned(text);
    let props = if kind == "hookscript" { whole_as_props(evalue.span) } else { propstring::parse(evalue) };
    let Some(value) = default_value(text, &props, &["volume"]) else { return };
    let target = match classify_path(value) {
        Some(t) if kind == "rootfs" || kind == "mp" => t,
        _ => match volume::parse_volume_id(value) {
            Some(v) => VolumeTarget::Volume(v),
            None => return,
        },
    };
    let backup = if !main || kind == "hookscript" {
        Backup::NotApplicable
    } else {
        match (kind, &target) {
            ("rootfs", _) => Backup::Included,
            ("mp", VolumeTarget::Volume(_)) if props.flag(text, "backup") == Some(true) => Backup::Included,
            _ => Backup::Excluded,
        }
    };
    out.push(VolumeRef { section: at.0, entry: at.1, value: value.span, target, backup, props });
}

pub(super) fn whole_as_props(v: Span) -> PropString {
    PropString { items: Box::new([PropItem::positional(v)]), problems: Box::default() }
}

pub(super) fn is_cdrom_media(text: &str, props: &PropString) -> bool {
    props.get(text, "media").is_some_and(|m| m.value == "cdrom")
}

pub(super) fn qemu_file_target(value: Spanned<&str>) -> Option<VolumeTarget> {
    match value.value {
        "none" => Some(VolumeTarget::None),
        "cdrom" => Some(VolumeTarget::Cdrom),
        v if v.starts_with("/dev/") => Some(VolumeTarget::Device(value.span)),
        v if v.starts_with('/') => Some(VolumeTarget::HostPath(value.span)),
        _ => volume::parse_volume_id(value).map(VolumeTarget::Volume),
    }
}

pub(super) fn qemu_volume(
    text: &str,
    at: (u32, u32),
    section: &GuestSection,
    e: &Entry,
    ovmf: bool,
    out: &mut Vec<VolumeRef>,
) {
    let key = e.key_str(text);
    let main = section.kind == SectionKind::Main;
    let evalue = e.value.spanned(text);
    if section.kind == SectionKind::Special {
        if key == "fleecing-images" {
            for item in split_list(evalue) {
                let Some(v) = volume::parse_volume_id(item) else { continue };
                out.push(VolumeRef {
                    section: at.0,
                    entry: at.1,
                    props: whole_as_props(item.span),
                    value: item.span,
                    target: VolumeTarget::Volume(v),
                    backup: Backup::NotApplicable,
                });
            }
        }
        return;
    }
    let (base, idx) = split_index(key);
    let kind = match (base, idx) {
        ("ide" | "sata" | "scsi" | "virtio", Some(_)) => "disk",
        ("efidisk", Some(0)) => "efidisk",
        ("tpmstate", Some(0)) => "tpmstate",
        ("unused", Some(_)) => "unused",
        ("vmstate", None) | ("hookscript", None) => "single",
        _ => return,
    };
    let props = if kind == "single" { whole_as_props(evalue.span) } else { propstring::parse(evalue) };
    let Some(value) = default_value(text, &props, &["file", "volume"]) else { return };
    let target = if kind == "single" || kind == "unused" {
        match volume::parse_volume_id(value) {
            Some(v) => VolumeTarget::Volume(v),
            None => return,
        }
    } else {
        match qemu_file_target(value) {
            Some(t) => t,
            None => return,
        }
    };
    let backup = if !main {
        Backup::NotApplicable
    } else {
        match kind {
            "single" => Backup::NotApplicable,
            "unused" => Backup::Excluded,
            "efidisk" if !ovmf => Backup::Excluded,
            "efidisk" | "tpmstate" => Backup::Included,
            _ if is_cdrom_media(text, &props) || matches!(target, VolumeTarget::None | VolumeTarget::Cdrom) => {
                Backup::NotApplicable
            }
            _ if props.flag(text, "backup") == Some(false) => Backup::Excluded,
            _ => Backup::Included,
        }
    };
    out.push(VolumeRef { section: at.0, entry: at.1, value: value.span, target, backup, props });
}

/// `PVE::Tools::split_list`: split on runs of `,`, `;` and whitespace (or on NUL if the
/// text holds one), without empty elements.
pub fn split_list(v: Spanned<&str>) -> Vec<Spanned<&str>> {
    crate::text::split_list(v.value).into_iter().filter(|(a, b)| a < b).map(|(a, b)| v.sub(a, b)).collect()
}
