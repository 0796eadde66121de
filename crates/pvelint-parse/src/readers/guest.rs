//! Guest configs: `nodes/<node>/lxc/<vmid>.conf` (`PVE::LXC::Config::parse_pct_config`)
//! and `nodes/<node>/qemu-server/<vmid>.conf` (`PVE::QemuServer::parse_vm_config`).
//! Sources: pve-container `src/PVE/LXC/Config.pm` → `parse_pct_config`, `classify_mountpoint`, `mountpoint_backup_enabled`; qemu-server `src/PVE/QemuServer.pm` → `parse_vm_config`, `src/PVE/QemuConfig.pm` → `get_backup_volumes`.
//!
//! The model keeps what Proxmox keeps:
//! * **LXC** stores every `key: value` line, even an unknown key or an invalid value (the
//!   value is stored raw, [`Entry::valid`] is `false`; a mount point whose property string
//!   does not parse is then skipped by start, snapshot and backup). A later duplicate key
//!   replaces the earlier one. `lxc.*` lines accumulate in order.
//! * **QEMU** drops a line whose key is unknown or whose value fails its format; the last
//!   *valid* occurrence of a key wins. `[special:…]` and unknown `[…]` sections exist.
//!
//! Lines that Proxmox drops or that a later line overrides are kept in
//! [`GuestSection::dropped`] so rules can still point at them.

use crate::diag::Diagnostic;
use crate::propstring::{self, PropItem, PropString, SubKey, SubType};
use crate::source::SourceFile;
use crate::span::{Span, Spanned};
use crate::syntax;
use crate::volume::{self, VolumeId};
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GuestKind {
    Lxc,
    Qemu,
}

impl GuestKind {
    /// `CT` or `VM`.
    pub fn short(self) -> &'static str {
        match self {
            GuestKind::Lxc => "CT",
            GuestKind::Qemu => "VM",
        }
    }
}

/// What a `[…]` header starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SectionKind {
    /// The lines before any header (the current config).
    Main,
    /// `[snapname]`.
    Snapshot,
    /// `[pve:pending]` (LXC) / `[PENDING]` (QEMU).
    Pending,
    /// `[special:cloudinit]`, `[special:fleecing]` (QEMU).
    Special,
}

/// One `key: value` line (or `lxc.key = value`): spans into the file's text, which
/// [`GuestConfig`] holds (see [`GuestConfig::key`], [`GuestConfig::value`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key as written. For QEMU's `cdrom:` alias this is `cdrom`; Proxmox stores it
    /// as `ide2` ([`Entry::cdrom_alias`], [`Entry::key_str`]).
    pub key: Span,
    /// The value, trimmed as Proxmox trims it.
    pub value: Span,
    /// A raw `lxc.*` key.
    pub raw_lxc: bool,
    /// Proxmox can use the value: it passed the type/format check (LXC keeps invalid
    /// values raw and ignores such a mount point) and, for a QEMU drive, `parse_drive`
    /// accepts it (a kept drive it rejects is left out at start and backup).
    pub valid: bool,
    /// QEMU's `cdrom:` line, stored as `ide2`.
    pub cdrom_alias: bool,
}

/// The key Proxmox stores for a key written at `key`: `ide2` for QEMU's `cdrom:`.
fn stored_key(key: Span, cdrom_alias: bool, text: &str) -> &str {
    if cdrom_alias {
        "ide2"
    } else {
        key.of(text)
    }
}

impl Entry {
    /// The key Proxmox stores (`ide2` for QEMU's `cdrom:`).
    pub fn key_str<'t>(&self, text: &'t str) -> &'t str {
        stored_key(self.key, self.cdrom_alias, text)
    }

    pub fn value_str<'t>(&self, text: &'t str) -> &'t str {
        self.value.of(text)
    }

    /// The whole line (without its `\n`), found around the key and value: an entry is
    /// one line, so the model does not store it.
    pub fn line(&self, text: &str) -> Span {
        let start = text.get(..self.key.start as usize).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
        let from = self.value.end as usize;
        let end = text.get(from..).and_then(|t| t.find('\n')).map_or(text.len(), |i| from + i);
        Span::new(self.key.file, start, end)
    }
}

/// The main config, a snapshot, the pending changes or a special section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestSection {
    pub kind: SectionKind,
    /// The text between the brackets (`snap1`, `pve:pending`, `PENDING`); for special
    /// sections the part after `special:` (`cloudinit`). `None` for the main section.
    pub name: Option<Spanned<String>>,
    /// The header line.
    pub header: Option<Span>,
    /// The entries Proxmox keeps, in file order (one per key, except `lxc.*`).
    pub entries: Vec<Entry>,
    /// The description: `#` lines (URL-decoded, span of the text after `#`) and
    /// `description:` values, in file order.
    pub description: Vec<Spanned<String>>,
    /// Key lines Proxmox drops (QEMU: unknown key, invalid value; LXC: rejected `lxc.*`
    /// keys, `delete:` outside pending) or that a later duplicate overrides.
    pub dropped: Vec<Entry>,
}

impl GuestSection {
    fn new(kind: SectionKind, name: Option<Spanned<String>>, header: Option<Span>) -> Self {
        GuestSection { kind, name, header, entries: Vec::new(), description: Vec::new(), dropped: Vec::new() }
    }

    /// The entry Proxmox uses for `key` (the first `lxc.*` line for raw LXC keys);
    /// `text` is the file's text.
    pub fn get(&self, text: &str, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key_str(text) == key)
    }

    /// The name as a plain string (`""` for the main section).
    pub fn name_str(&self) -> &str {
        self.name.as_ref().map_or("", |n| n.value.as_str())
    }
}

/// The text of a guest config's file, shared with its [`SourceFile`] (not a copy). Its
/// `Debug` shows the length only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FileText(pub std::sync::Arc<String>);

impl std::fmt::Debug for FileText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileText({} bytes)", self.0.len())
    }
}

impl std::ops::Deref for FileText {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

/// A parsed guest config. `sections[0]` is always the main section. Keys and values are
/// spans into `text`; the accessors resolve them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestConfig {
    pub kind: GuestKind,
    pub text: FileText,
    pub sections: Vec<GuestSection>,
}

impl Default for GuestConfig {
    fn default() -> Self {
        GuestConfig {
            kind: GuestKind::Lxc,
            text: FileText::default(),
            sections: vec![GuestSection::new(SectionKind::Main, None, None)],
        }
    }
}

/// Where a volume-bearing value points. Paths are spans into the file's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VolumeTarget {
    /// A storage-managed `storage:volname`.
    Volume(VolumeId),
    /// LXC bind mount of a host directory (an absolute path not under `/dev/`).
    Bind(Span),
    /// A host block device (`/dev/…`): LXC device mount or QEMU pass-through disk.
    Device(Span),
    /// A QEMU disk backed by a host file outside `/dev/` (kept, unmanaged: qemu-server `QemuServer.pm` → `verify_volume_id_or_absolute_path`).
    HostPath(Span),
    /// QEMU `none`: an empty drive.
    None,
    /// QEMU `cdrom`: the host's physical CD drive.
    Cdrom,
}

/// What vzdump does with a volume (pve-container `LXC/Config.pm` → `mountpoint_backup_enabled`; qemu-server `QemuConfig.pm` → `get_backup_volumes`).
///
/// Only the main section is backed up: volumes of snapshot, pending and special sections
/// are [`Backup::NotApplicable`]. LXC bind and device mount points are
/// [`Backup::Excluded`] (vzdump logs "excluding … (not a volume)"), whatever their
/// `backup=` says; `backup_flag` keeps what was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backup {
    Included,
    Excluded,
    NotApplicable,
}

/// One value that references a volume, path or device. Spans point into the guest
/// config's text; [`GuestConfig`] answers the questions about it (key, line, flags).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeRef {
    /// Index into [`GuestConfig::sections`].
    pub section: u32,
    /// Index of the entry in that section's [`GuestSection::entries`] whose value holds
    /// this volume.
    pub entry: u32,
    /// The volume part only, e.g. `usb-3tb:subvol-113-disk-0`.
    pub value: Span,
    pub target: VolumeTarget,
    pub backup: Backup,
    /// The whole value as a property string (`fleecing-images` items and single-volume
    /// keys: the volume as the one part).
    pub props: PropString,
}

impl GuestConfig {
    /// The file's text, which every span of this config points into.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text of a span of this config.
    pub fn str(&self, span: Span) -> &str {
        span.of(&self.text)
    }

    /// The key of an entry as Proxmox stores it.
    pub fn key(&self, e: &Entry) -> &str {
        e.key_str(&self.text)
    }

    /// The value of an entry.
    pub fn value(&self, e: &Entry) -> &str {
        e.value.of(&self.text)
    }

    /// The whole line of an entry.
    pub fn line(&self, e: &Entry) -> Span {
        e.line(&self.text)
    }

    pub fn main(&self) -> &GuestSection {
        &self.sections[0]
    }

    /// An entry of the main section.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.main().get(&self.text, key)
    }

    /// The snapshot section with this name.
    pub fn snapshot(&self, name: &str) -> Option<&GuestSection> {
        self.sections.iter().find(|s| s.kind == SectionKind::Snapshot && s.name_str() == name)
    }

    /// The pending section.
    pub fn pending(&self) -> Option<&GuestSection> {
        self.sections.iter().find(|s| s.kind == SectionKind::Pending)
    }

    /// The entry a volume reference was read from.
    pub fn entry_of(&self, v: &VolumeRef) -> &Entry {
        &self.sections[v.section as usize].entries[v.entry as usize]
    }

    /// A volume's `key=value` option (`backup`, `mp`, `media`, …).
    pub fn prop(&self, v: &VolumeRef, key: &str) -> Option<Spanned<&str>> {
        v.props.get(&self.text, key)
    }

    /// A `key=value` part of any property-string entry (`bridge` of `net0`, `host` of
    /// `hostpci0`), parsed on demand; `None` when the key is absent.
    pub fn entry_prop(&self, e: &Entry, key: &str) -> Option<Spanned<&str>> {
        let props = crate::propstring::parse(Spanned::new(self.value(e), e.value));
        props.get(&self.text, key)
    }

    /// The first part of a property-string entry written without a key (`01:00.0` of
    /// `hostpci0: 01:00.0,pcie=1`).
    pub fn entry_positional(&self, e: &Entry) -> Option<Spanned<&str>> {
        let props = crate::propstring::parse(Spanned::new(self.value(e), e.value));
        props.positional().map(|s| Spanned::new(self.str(s), s))
    }

    /// A volume's boolean option, as Proxmox reads it.
    pub fn flag(&self, v: &VolumeRef, key: &str) -> Option<bool> {
        v.props.flag(&self.text, key)
    }

    /// The mount path of a container volume: `mp=` as written, `/` (spanning the key) for
    /// `rootfs`.
    pub fn mount_path(&self, v: &VolumeRef) -> Option<Spanned<&str>> {
        let e = self.entry_of(v);
        match self.key(e) {
            "rootfs" if self.kind == GuestKind::Lxc => Some(Spanned::new("/", e.key)),
            k if self.kind == GuestKind::Lxc && k.starts_with("mp") => self.prop(v, "mp"),
            _ => None,
        }
    }

    /// Every volume-bearing value of every section, in file order of sections and
    /// entries. Values Proxmox cannot parse are left out (Proxmox skips them too): an
    /// invalid property string, an LXC volume that is neither a volume ID nor a path, a
    /// drive `parse_drive` rejects. They carry a syntax diagnostic.
    pub fn volumes(&self) -> Vec<VolumeRef> {
        let text: &str = &self.text;
        let ovmf = self.get("bios").is_some_and(|e| e.value_str(text) == "ovmf");
        let mut out = Vec::new();
        for (si, section) in self.sections.iter().enumerate() {
            for (ei, e) in section.entries.iter().enumerate().filter(|(_, e)| e.valid && !e.raw_lxc) {
                let at = (si as u32, ei as u32);
                match self.kind {
                    GuestKind::Lxc => lxc_volume(text, at, section, e, &mut out),
                    GuestKind::Qemu => qemu_volume(text, at, section, e, ovmf, &mut out),
                }
            }
        }
        out
    }
}

fn split_index(key: &str) -> (&str, Option<u32>) {
    let base = key.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = &key[base.len()..];
    if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
        return (key, None);
    }
    (base, digits.parse().ok())
}

fn classify_path(v: Spanned<&str>) -> Option<VolumeTarget> {
    if v.value.starts_with("/dev/") {
        Some(VolumeTarget::Device(v.span))
    } else if v.value.starts_with('/') {
        Some(VolumeTarget::Bind(v.span))
    } else {
        None
    }
}

fn default_value<'t>(text: &'t str, props: &PropString, alias: &[&str]) -> Option<Spanned<&'t str>> {
    match props.positional() {
        Some(p) => Some(p.spanned(text)),
        None => alias.iter().find_map(|k| props.get(text, k)),
    }
}

/// `at`: (section, entry) indexes.
fn lxc_volume(text: &str, at: (u32, u32), section: &GuestSection, e: &Entry, out: &mut Vec<VolumeRef>) {
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

fn whole_as_props(v: Span) -> PropString {
    PropString { items: Box::new([PropItem::positional(v)]), problems: Box::default() }
}

fn is_cdrom_media(text: &str, props: &PropString) -> bool {
    props.get(text, "media").is_some_and(|m| m.value == "cdrom")
}

fn qemu_file_target(value: Spanned<&str>) -> Option<VolumeTarget> {
    match value.value {
        "none" => Some(VolumeTarget::None),
        "cdrom" => Some(VolumeTarget::Cdrom),
        v if v.starts_with("/dev/") => Some(VolumeTarget::Device(value.span)),
        v if v.starts_with('/') => Some(VolumeTarget::HostPath(value.span)),
        _ => volume::parse_volume_id(value).map(VolumeTarget::Volume),
    }
}

fn qemu_volume(text: &str, at: (u32, u32), section: &GuestSection, e: &Entry, ovmf: bool, out: &mut Vec<VolumeRef>) {
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

// ---------------------------------------------------------------------------------------
// Key tables
// ---------------------------------------------------------------------------------------

/// How Proxmox's `check_type` treats a key's value at parse time.
#[derive(Clone, Copy, Debug)]
enum ValueType {
    /// A plain string, or a format this parser does not check.
    Str,
    Bool,
    Int,
    Number,
    /// `pve-volume-id`.
    VolumeId,
    /// `pve-configid` / `pve-snapshot-name`.
    ConfigId,
    /// `pve-storage-id`.
    StorageId,
    /// `pve-volume-id-list`.
    VolumeIdList,
    /// A property string with this format.
    Prop(&'static [&'static [SubKey]]),
}

const LXC_PLAIN: &[(&str, ValueType)] = &[
    ("lock", ValueType::Str),
    ("onboot", ValueType::Bool),
    ("startup", ValueType::Str),
    ("template", ValueType::Bool),
    ("arch", ValueType::Str),
    ("ostype", ValueType::Str),
    ("console", ValueType::Bool),
    ("tty", ValueType::Int),
    ("cores", ValueType::Int),
    ("cpulimit", ValueType::Number),
    ("cpuunits", ValueType::Int),
    ("memory", ValueType::Int),
    ("swap", ValueType::Int),
    ("hostname", ValueType::Str),
    ("description", ValueType::Str),
    ("searchdomain", ValueType::Str),
    ("nameserver", ValueType::Str),
    ("timezone", ValueType::Str),
    ("rootfs", ValueType::Prop(&[LXC_ROOTFS])),
    ("parent", ValueType::ConfigId),
    ("snaptime", ValueType::Int),
    ("cmode", ValueType::Str),
    ("entrypoint", ValueType::Str),
    ("protection", ValueType::Bool),
    ("unprivileged", ValueType::Bool),
    ("features", ValueType::Str),
    ("hookscript", ValueType::VolumeId),
    ("tags", ValueType::Str),
    ("debug", ValueType::Bool),
    ("env", ValueType::Str),
    ("ipmanagehost", ValueType::Bool),
];

/// A key table as a map, built once: every line of every guest config looks its key up.
fn key_map(table: &'static [(&'static str, ValueType)]) -> HashMap<&'static str, ValueType> {
    table.iter().copied().collect()
}

static LXC_KEYS: LazyLock<HashMap<&'static str, ValueType>> = LazyLock::new(|| key_map(LXC_PLAIN));
static QEMU_KEYS: LazyLock<HashMap<&'static str, ValueType>> = LazyLock::new(|| key_map(QEMU_PLAIN));

fn lxc_key_type(key: &str) -> Option<ValueType> {
    if let Some(t) = LXC_KEYS.get(key) {
        return Some(*t);
    }
    match split_index(key) {
        ("mp", Some(i)) if i < 256 => Some(ValueType::Prop(&[LXC_ROOTFS, LXC_MP_EXTRA])),
        ("unused", Some(i)) if i < 256 => Some(ValueType::Prop(&[VOLUME_ONLY])),
        ("net", Some(i)) if i < 32 => Some(ValueType::Str),
        ("dev", Some(i)) if i < 256 => Some(ValueType::Str),
        _ => None,
    }
}

const QEMU_PLAIN: &[(&str, ValueType)] = &[
    ("onboot", ValueType::Bool),
    ("autostart", ValueType::Bool),
    ("hotplug", ValueType::Str),
    ("reboot", ValueType::Bool),
    ("lock", ValueType::Str),
    ("cpulimit", ValueType::Number),
    ("cpuunits", ValueType::Int),
    ("memory", ValueType::Str),
    ("amd-sev", ValueType::Str),
    ("intel-tdx", ValueType::Str),
    ("balloon", ValueType::Int),
    ("shares", ValueType::Int),
    ("keyboard", ValueType::Str),
    ("name", ValueType::Str),
    ("scsihw", ValueType::Str),
    ("description", ValueType::Str),
    ("ostype", ValueType::Str),
    ("boot", ValueType::Str),
    ("bootdisk", ValueType::Str),
    ("smp", ValueType::Int),
    ("sockets", ValueType::Int),
    ("cores", ValueType::Int),
    ("numa", ValueType::Bool),
    ("hugepages", ValueType::Str),
    ("keephugepages", ValueType::Bool),
    ("vcpus", ValueType::Int),
    ("acpi", ValueType::Bool),
    ("agent", ValueType::Str),
    ("kvm", ValueType::Bool),
    ("tdf", ValueType::Bool),
    ("localtime", ValueType::Bool),
    ("freeze", ValueType::Bool),
    ("vga", ValueType::Str),
    ("watchdog", ValueType::Str),
    ("startdate", ValueType::Str),
    ("startup", ValueType::Str),
    ("template", ValueType::Bool),
    ("args", ValueType::Str),
    ("tablet", ValueType::Bool),
    ("migrate_speed", ValueType::Int),
    ("migrate_downtime", ValueType::Number),
    ("cdrom", ValueType::Prop(&[DRIVE_BASE, IDE_EXTRA])),
    ("cpu", ValueType::Str),
    ("parent", ValueType::ConfigId),
    ("snaptime", ValueType::Int),
    ("vmstate", ValueType::VolumeId),
    ("vmstatestorage", ValueType::StorageId),
    ("runningmachine", ValueType::Str),
    ("runningcpu", ValueType::Str),
    ("running-nets-host-mtu", ValueType::Str),
    ("machine", ValueType::Str),
    ("arch", ValueType::Str),
    ("smbios1", ValueType::Str),
    ("protection", ValueType::Bool),
    ("bios", ValueType::Str),
    ("vmgenid", ValueType::Str),
    ("hookscript", ValueType::VolumeId),
    ("ivshmem", ValueType::Str),
    ("audio0", ValueType::Str),
    ("spice_enhancements", ValueType::Str),
    ("tags", ValueType::Str),
    ("rng0", ValueType::Str),
    ("meta", ValueType::Str),
    ("affinity", ValueType::Str),
    ("allow-ksm", ValueType::Bool),
    ("citype", ValueType::Str),
    ("ciuser", ValueType::Str),
    ("cipassword", ValueType::Str),
    ("ciupgrade", ValueType::Bool),
    ("cicustom", ValueType::Str),
    ("searchdomain", ValueType::Str),
    ("nameserver", ValueType::Str),
    ("sshkeys", ValueType::Str),
    ("efidisk0", ValueType::Prop(&[EFIDISK])),
    ("tpmstate0", ValueType::Prop(&[TPMSTATE])),
];

fn qemu_key_type(key: &str) -> Option<ValueType> {
    if let Some(t) = QEMU_KEYS.get(key) {
        return Some(*t);
    }
    let (base, idx) = split_index(key);
    let i = idx?;
    let t = match base {
        "ide" if i < 4 => ValueType::Prop(&[DRIVE_BASE, IDE_EXTRA]),
        "sata" if i < 6 => ValueType::Prop(&[DRIVE_BASE, SATA_EXTRA]),
        "scsi" if i < 31 => ValueType::Prop(&[DRIVE_BASE, SCSI_EXTRA]),
        "virtio" if i < 16 => ValueType::Prop(&[DRIVE_BASE, VIRTIO_EXTRA]),
        "unused" if i < 256 => ValueType::Prop(&[QEMU_UNUSED]),
        "numa" if i < 8 => ValueType::Str,
        "net" | "ipconfig" if i < 32 => ValueType::Str,
        "serial" if i < 4 => ValueType::Str,
        "parallel" if i < 3 => ValueType::Str,
        "hostpci" if i < 16 => ValueType::Str,
        "usb" if i < 14 => ValueType::Str,
        "virtiofs" if i < 10 => ValueType::Str,
        _ => return None,
    };
    Some(t)
}

fn check_lxc_mp_string(v: &str) -> Result<(), String> {
    let bad =
        v.contains("/./") || v.contains("/../") || v.ends_with("/.") || v.ends_with("/..") || v.starts_with("../");
    if bad {
        Err(format!("`{v}` contains `.`/`..` path components (\"contains illegal character sequences\")"))
    } else {
        Ok(())
    }
}

fn check_volume_id(v: &str) -> Result<(), String> {
    match volume::split_volume_id(v) {
        Some(_) => Ok(()),
        None => Err(format!("`{v}` is not a volume ID (`storage:volume`)")),
    }
}

fn check_qm_file(v: &str) -> Result<(), String> {
    if v == "none" || v == "cdrom" || v.starts_with('/') || volume::split_volume_id(v).is_some() {
        Ok(())
    } else {
        Err(format!(
            "`{v}` is not a volume ID (`storage:volume`), an absolute path, `none` or `cdrom` (\"unable to parse volume ID\")"
        ))
    }
}

fn check_mountoptions(v: &str) -> Result<(), String> {
    const OPTS: &[&str] = &["discard", "lazytime", "noatime", "nodev", "noexec", "nosuid"];
    match v.split(';').find(|o| !OPTS.contains(o)) {
        Some(o) => Err(format!("`{o}` is not a supported mount option ({})", OPTS.join(", "))),
        None => Ok(()),
    }
}

const LXC_ROOTFS: &[SubKey] = &[
    SubKey::default("volume", SubType::Check(check_lxc_mp_string)),
    SubKey::opt("size", SubType::Size),
    SubKey::opt("acl", SubType::Bool),
    SubKey::opt("mountoptions", SubType::Check(check_mountoptions)),
    SubKey::opt("ro", SubType::Bool),
    SubKey::opt("quota", SubType::Bool),
    SubKey::opt("replicate", SubType::Bool),
    SubKey::opt("shared", SubType::Bool),
    SubKey::opt("idmap", SubType::Str),
];

const LXC_MP_EXTRA: &[SubKey] = &[
    SubKey::opt("backup", SubType::Bool),
    SubKey::req("mp", SubType::Check(check_lxc_mp_string)),
    SubKey::opt("keepattrs", SubType::Bool),
];

const VOLUME_ONLY: &[SubKey] = &[SubKey::default("volume", SubType::Check(check_volume_id))];

const QEMU_UNUSED: &[SubKey] =
    &[SubKey::default("file", SubType::Check(check_volume_id)), SubKey::alias("volume", "file")];

const INT: SubType = SubType::Int { min: None, max: None };
const LEN: SubType = SubType::Int { min: Some(1), max: None };

const DRIVE_BASE: &[SubKey] = &[
    SubKey::alias("volume", "file"),
    SubKey::default("file", SubType::Check(check_qm_file)),
    SubKey::opt("media", SubType::Enum(&["cdrom", "disk"])),
    SubKey::opt("cyls", INT),
    SubKey::opt("heads", INT),
    SubKey::opt("secs", INT),
    SubKey::opt("trans", SubType::Enum(&["none", "lba", "auto"])),
    SubKey::opt("snapshot", SubType::Bool),
    SubKey::opt("cache", SubType::Enum(&["none", "writethrough", "writeback", "unsafe", "directsync"])),
    SubKey::opt("format", SubType::Enum(&["raw", "qcow", "qed", "qcow2", "vmdk", "cloop"])),
    SubKey::opt("size", SubType::Size),
    SubKey::opt("backup", SubType::Bool),
    SubKey::opt("replicate", SubType::Bool),
    SubKey::opt("rerror", SubType::Enum(&["ignore", "report", "stop"])),
    SubKey::opt("werror", SubType::Enum(&["enospc", "ignore", "report", "stop"])),
    SubKey::opt("aio", SubType::Enum(&["native", "threads", "io_uring"])),
    SubKey::opt("discard", SubType::Enum(&["ignore", "on"])),
    SubKey::opt("detect_zeroes", SubType::Bool),
    SubKey::opt("serial", SubType::Str),
    SubKey::opt("shared", SubType::Bool),
    SubKey::opt("bps", INT),
    SubKey::opt("bps_rd", INT),
    SubKey::opt("bps_wr", INT),
    SubKey::opt("mbps", SubType::Number),
    SubKey::opt("mbps_rd", SubType::Number),
    SubKey::opt("mbps_wr", SubType::Number),
    SubKey::opt("iops", INT),
    SubKey::opt("iops_rd", INT),
    SubKey::opt("iops_wr", INT),
    SubKey::opt("mbps_max", SubType::Number),
    SubKey::opt("mbps_rd_max", SubType::Number),
    SubKey::opt("mbps_wr_max", SubType::Number),
    SubKey::opt("iops_max", INT),
    SubKey::opt("iops_rd_max", INT),
    SubKey::opt("iops_wr_max", INT),
    SubKey::opt("bps_max_length", LEN),
    SubKey::opt("bps_rd_max_length", LEN),
    SubKey::opt("bps_wr_max_length", LEN),
    SubKey::opt("iops_max_length", LEN),
    SubKey::opt("iops_rd_max_length", LEN),
    SubKey::opt("iops_wr_max_length", LEN),
    SubKey::alias("bps_rd_length", "bps_rd_max_length"),
    SubKey::alias("bps_wr_length", "bps_wr_max_length"),
    SubKey::alias("iops_rd_length", "iops_rd_max_length"),
    SubKey::alias("iops_wr_length", "iops_wr_max_length"),
];

const SSD: SubKey = SubKey::opt("ssd", SubType::Bool);
const WWN: SubKey = SubKey::opt("wwn", SubType::Str);
const IOTHREAD: SubKey = SubKey::opt("iothread", SubType::Bool);
const RO: SubKey = SubKey::opt("ro", SubType::Bool);
const IDE_EXTRA: &[SubKey] = &[SubKey::opt("model", SubType::Str), SSD, WWN];
const SATA_EXTRA: &[SubKey] = &[SSD, WWN];
const SCSI_EXTRA: &[SubKey] = &[
    IOTHREAD,
    SubKey::opt("product", SubType::Str),
    SubKey::opt("queues", SubType::Int { min: Some(2), max: None }),
    RO,
    SubKey::opt("scsiblock", SubType::Bool),
    SSD,
    SubKey::opt("vendor", SubType::Str),
    WWN,
];
const VIRTIO_EXTRA: &[SubKey] = &[IOTHREAD, RO];

const EFIDISK: &[SubKey] = &[
    SubKey::alias("volume", "file"),
    SubKey::default("file", SubType::Check(check_qm_file)),
    SubKey::opt("format", SubType::Enum(&["raw", "qcow", "qed", "qcow2", "vmdk", "cloop"])),
    SubKey::opt("size", SubType::Size),
    SubKey::opt("efitype", SubType::Enum(&["2m", "4m"])),
    SubKey::opt("pre-enrolled-keys", SubType::Bool),
    SubKey::opt("ms-cert", SubType::Str),
];

const TPMSTATE: &[SubKey] = &[
    SubKey::alias("volume", "file"),
    SubKey::default("file", SubType::Check(check_qm_file)),
    SubKey::opt("size", SubType::Size),
    SubKey::opt("version", SubType::Enum(&["v1.2", "v2.0"])),
];

// ---------------------------------------------------------------------------------------
// Raw lxc.* keys (pve-container `LXC/Config.pm` → `is_valid_lxc_conf_key`)
// ---------------------------------------------------------------------------------------

/// How `is_valid_lxc_conf_key` treats a raw `lxc.*` key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LxcKeyValidity {
    Valid,
    /// cgroup v1 (`lxc.cgroup.*`): accepted, but ignored on cgroup v2 hosts.
    CgroupV1,
    /// Accepted with a warning; LXC 3.0+ names it differently.
    Deprecated {
        replacement: &'static str,
    },
    /// Rejected with this reason; Proxmox drops the line.
    Rejected(&'static str),
    /// Unknown; Proxmox drops the line ("unable to parse config").
    Unknown,
}

const LXC_VALID: &[&str] = &[
    "lxc.apparmor.profile",
    "lxc.apparmor.allow_incomplete",
    "lxc.apparmor.allow_nesting",
    "lxc.apparmor.raw",
    "lxc.selinux.context",
    "lxc.include",
    "lxc.arch",
    "lxc.uts.name",
    "lxc.signal.halt",
    "lxc.signal.reboot",
    "lxc.signal.stop",
    "lxc.init.cmd",
    "lxc.init.cwd",
    "lxc.init.uid",
    "lxc.init.gid",
    "lxc.pty.max",
    "lxc.console.logfile",
    "lxc.console.path",
    "lxc.console.buffer.size",
    "lxc.console.size",
    "lxc.console.rotate",
    "lxc.tty.max",
    "lxc.devtty.dir",
    "lxc.hook.autodev",
    "lxc.autodev",
    "lxc.kmsg",
    "lxc.mount.fstab",
    "lxc.mount.entry",
    "lxc.mount.auto",
    "lxc.rootfs.mount",
    "lxc.cap.drop",
    "lxc.cap.keep",
    "lxc.seccomp.profile",
    "lxc.seccomp.notify.proxy",
    "lxc.seccomp.notify.cookie",
    "lxc.idmap",
    "lxc.hook.pre-start",
    "lxc.hook.pre-mount",
    "lxc.hook.mount",
    "lxc.hook.start",
    "lxc.hook.stop",
    "lxc.hook.post-stop",
    "lxc.hook.clone",
    "lxc.hook.destroy",
    "lxc.hook.version",
    "lxc.log.level",
    "lxc.log.file",
    "lxc.start.auto",
    "lxc.start.delay",
    "lxc.start.order",
    "lxc.group",
    "lxc.environment",
    "lxc.environment.runtime",
    "lxc.environment.hooks",
    "lxc.sysctl.fs.mqueue",
    "lxc.sysctl.kernel.msgmax",
    "lxc.sysctl.kernel.msgmnb",
    "lxc.sysctl.kernel.msgmni",
    "lxc.sysctl.kernel.sem",
    "lxc.sysctl.kernel.shmall",
    "lxc.sysctl.kernel.shmmax",
    "lxc.sysctl.kernel.shmmni",
    "lxc.sysctl.kernel.shm_rmid_forced",
];

const LXC_DEPRECATED: &[(&str, &str)] = &[
    ("lxc.aa_profile", "lxc.apparmor.profile"),
    ("lxc.aa_allow_incomplete", "lxc.apparmor.allow_incomplete"),
    ("lxc.console", "lxc.console.path"),
    ("lxc.devttydir", "lxc.tty.dir"),
    ("lxc.haltsignal", "lxc.signal.halt"),
    ("lxc.rebootsignal", "lxc.signal.reboot"),
    ("lxc.stopsignal", "lxc.signal.stop"),
    ("lxc.id_map", "lxc.idmap"),
    ("lxc.init_cmd", "lxc.init.cmd"),
    ("lxc.loglevel", "lxc.log.level"),
    ("lxc.logfile", "lxc.log.file"),
    ("lxc.mount", "lxc.mount.fstab"),
    ("lxc.network.type", "lxc.net.INDEX.type"),
    ("lxc.network.flags", "lxc.net.INDEX.flags"),
    ("lxc.network.link", "lxc.net.INDEX.link"),
    ("lxc.network.mtu", "lxc.net.INDEX.mtu"),
    ("lxc.network.name", "lxc.net.INDEX.name"),
    ("lxc.network.hwaddr", "lxc.net.INDEX.hwaddr"),
    ("lxc.network.ipv4", "lxc.net.INDEX.ipv4.address"),
    ("lxc.network.ipv4.gateway", "lxc.net.INDEX.ipv4.gateway"),
    ("lxc.network.ipv6", "lxc.net.INDEX.ipv6.address"),
    ("lxc.network.ipv6.gateway", "lxc.net.INDEX.ipv6.gateway"),
    ("lxc.network.script.up", "lxc.net.INDEX.script.up"),
    ("lxc.network.script.down", "lxc.net.INDEX.script.down"),
    ("lxc.pts", "lxc.pty.max"),
    ("lxc.se_context", "lxc.selinux.context"),
    ("lxc.seccomp", "lxc.seccomp.profile"),
    ("lxc.tty", "lxc.tty.max"),
    ("lxc.utsname", "lxc.uts.name"),
];

/// `PVE::LXC::Config::is_valid_lxc_conf_key`.
pub fn lxc_key_validity(key: &str) -> LxcKeyValidity {
    if key.starts_with("lxc.limit.") {
        return LxcKeyValidity::Deprecated { replacement: "lxc.prlimit.*" };
    }
    if let Some((_, r)) = LXC_DEPRECATED.iter().find(|(k, _)| *k == key) {
        return LxcKeyValidity::Deprecated { replacement: r };
    }
    match key {
        "lxc.rootfs.path" => return LxcKeyValidity::Rejected("lxc.rootfs.path is auto generated from rootfs"),
        "lxc.rootfs.options" => {
            return LxcKeyValidity::Rejected(
                "lxc.rootfs.options is not supported, please use mount point options in the \"rootfs\" key",
            )
        }
        _ => {}
    }
    if LXC_VALID.contains(&key) {
        return LxcKeyValidity::Valid;
    }
    if key.starts_with("lxc.cgroup.") {
        return LxcKeyValidity::CgroupV1;
    }
    if key.starts_with("lxc.cgroup2.") || key.starts_with("lxc.prlimit.") || key.starts_with("lxc.net.") {
        return LxcKeyValidity::Valid;
    }
    LxcKeyValidity::Unknown
}

// ---------------------------------------------------------------------------------------
// Line grammar
// ---------------------------------------------------------------------------------------

use crate::text::is_perl_space;

fn is_blank(s: &str) -> bool {
    s.chars().all(is_perl_space)
}

/// `^\[([^\]]*)\]\s*$`: the byte range of the text between the brackets.
fn bracket_header(line: &str) -> Option<(usize, usize)> {
    if !line.starts_with('[') {
        return None;
    }
    let close = line.find(']')?;
    is_blank(&line[close + 1..]).then_some((1, close))
}

/// `[a-z][a-z0-9_-]+`, case-insensitive (snapshot names, `pve-configid`).
fn is_config_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

/// A `key: value` match: byte ranges of key and trimmed value.
struct KeyLine {
    key: (usize, usize),
    value: (usize, usize),
}

/// `^([a-z][a-z_]*\d*):\s*(.*)` (LXC) or with `-` allowed (QEMU); the value range is the
/// rest with Perl whitespace trimmed on both sides (possibly empty).
fn match_key_line(line: &str, hyphen: bool) -> Option<KeyLine> {
    let b = line.as_bytes();
    if b.is_empty() || !b[0].is_ascii_lowercase() {
        return None;
    }
    let mut i = 1;
    while i < b.len() && (b[i].is_ascii_lowercase() || b[i] == b'_' || (hyphen && b[i] == b'-')) {
        i += 1;
    }
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i >= b.len() || b[i] != b':' {
        return None;
    }
    let key = (0, i);
    let rest = &line[i + 1..];
    let lead = rest.len() - rest.trim_start_matches(is_perl_space).len();
    let start = i + 1 + lead;
    let end = line.trim_end_matches(is_perl_space).len().max(start);
    Some(KeyLine { key, value: (start, end) })
}

/// `^(lxc\.[a-z0-9_\-\.]+)(:|\s*=)\s*(.*?)\s*$`.
fn match_lxc_line(line: &str) -> Option<KeyLine> {
    let rest = line.strip_prefix("lxc.")?;
    let n = rest
        .bytes()
        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'.'))
        .count();
    if n == 0 {
        return None;
    }
    let key_end = 4 + n;
    let after = &line[key_end..];
    let sep_len = if after.starts_with(':') {
        1
    } else {
        let ws = after.len() - after.trim_start_matches(is_perl_space).len();
        if after[ws..].starts_with('=') {
            ws + 1
        } else {
            return None;
        }
    };
    let vstart0 = key_end + sep_len;
    let v = &line[vstart0..];
    let start = vstart0 + (v.len() - v.trim_start_matches(is_perl_space).len());
    let end = line.trim_end_matches(is_perl_space).len().max(start);
    Some(KeyLine { key: (0, key_end), value: (start, end) })
}

/// The unanchored `snapstate:\s*(prepare|delete)\s*$`.
fn match_snapstate(line: &str) -> Option<KeyLine> {
    let trimmed_end = line.trim_end_matches(is_perl_space).len();
    // Cheap test first: this runs on every line.
    if !(line[..trimmed_end].ends_with("prepare") || line[..trimmed_end].ends_with("delete")) {
        return None;
    }
    for (pos, _) in line.match_indices("snapstate:") {
        let after = pos + "snapstate:".len();
        let rest = &line[after..trimmed_end.max(after)];
        let v = rest.trim_start_matches(is_perl_space);
        if v == "prepare" || v == "delete" {
            let start = trimmed_end - v.len();
            return Some(KeyLine { key: (pos, pos + "snapstate".len()), value: (start, trimmed_end) });
        }
    }
    None
}

pub use crate::text::decode_text;

/// A `#` after whitespace in a value: guest configs have no inline comments.
fn inline_comment(v: &str) -> Option<usize> {
    let b = v.as_bytes();
    (1..b.len()).find(|&i| b[i] == b'#' && (b[i - 1] == b' ' || b[i - 1] == b'\t'))
}

struct Parser<'a> {
    file: &'a SourceFile,
    kind: GuestKind,
    object: String,
    diags: &'a mut Vec<Diagnostic>,
    sections: Vec<GuestSection>,
    /// Index of the section lines go to; `None` inside an unknown QEMU section.
    current: Option<usize>,
    /// Indexes that keep parsing linear on hostile files (100,000 keys or sections):
    /// a serial number per section (parallel to `sections`), the entry index of each
    /// stored key by section serial, the entries replaced by a later duplicate (removed
    /// when parsing ends), and each named section by kind and name.
    serials: Vec<u32>,
    /// Per section: replaced by a later section of the same name (dropped at the end).
    dead: Vec<bool>,
    next_serial: u32,
    key_index: std::collections::HashMap<(u32, &'a str), usize>,
    replaced: std::collections::HashMap<u32, Vec<usize>>,
    section_index: std::collections::HashMap<(SectionKind, String), u32>,
}

impl<'a> Parser<'a> {
    fn span(&self, line: Span, r: (usize, usize)) -> Span {
        line.sub(r.0, r.1)
    }

    fn spanned(&self, line: Span, text: &str, r: (usize, usize)) -> Spanned<String> {
        Spanned::new(text[r.0..r.1].to_string(), self.span(line, r))
    }

    /// The file's text, for the model's spans.
    fn text(&self) -> &'a str {
        let file: &'a SourceFile = self.file;
        file.text.as_str()
    }

    fn entry(&self, lspan: Span, m: &KeyLine, raw_lxc: bool, valid: bool) -> Entry {
        Entry { key: self.span(lspan, m.key), value: self.span(lspan, m.value), raw_lxc, valid, cdrom_alias: false }
    }

    fn section_label(&self) -> String {
        match self.current.map(|i| &self.sections[i]) {
            Some(s) => match s.kind {
                SectionKind::Main => "the main config".to_string(),
                SectionKind::Snapshot => format!("snapshot `{}`", s.name_str()),
                SectionKind::Pending => "the pending section".to_string(),
                SectionKind::Special => format!("section `special:{}`", s.name_str()),
            },
            None => "the skipped section".to_string(),
        }
    }

    fn push_diag(&mut self, d: Diagnostic, key: Option<&str>) {
        let d = d.with_object(self.object.clone());
        let d = match key {
            Some(k) => d.with_key(k.to_string()),
            None => d,
        };
        self.diags.push(d);
    }

    fn line(&mut self, lspan: Span, line: &str) {
        if is_blank(line) {
            return;
        }
        if self.header(lspan, line) {
            return;
        }
        let Some(cur) = self.current else { return };
        if let Some(text) = line.strip_prefix('#') {
            let sp = Spanned::new(decode_text(text), lspan.sub(1, line.len()));
            self.sections[cur].description.push(sp);
            return;
        }
        if self.kind == GuestKind::Lxc {
            if let Some(m) = match_lxc_line(line) {
                self.lxc_raw(lspan, m);
                return;
            }
        }
        if let Some(rest) = line.strip_prefix("description:") {
            if !is_blank(rest) {
                let m = match_key_line(line, false).map(|m| m.value).unwrap_or((12, line.len()));
                let sp = Spanned::new(decode_text(&line[m.0..m.1]), lspan.sub(m.0, m.1));
                self.sections[cur].description.push(sp);
                return;
            }
        }
        if let Some(m) = match_snapstate(line) {
            let e = self.entry(lspan, &m, false, true);
            self.store(e);
            return;
        }
        if self.kind == GuestKind::Qemu {
            if let Some(m) = match_key_line(line, false).filter(|m| &line[m.key.0..m.key.1] == "args") {
                if m.value.0 < m.value.1 {
                    let e = self.entry(lspan, &m, false, true);
                    self.store(e);
                    return;
                }
            }
        }
        let m = match_key_line(line, self.kind == GuestKind::Qemu);
        match m {
            Some(m) if m.value.0 < m.value.1 => self.key_value(lspan, line, m),
            Some(m) => {
                // `key:` with an empty value: Proxmox warns and ignores the line, which
                // leaves the key unset, the same as the empty value written (Proxmox
                // itself writes `tags: ` for empty tags). Not a misreading: no finding.
                let e = self.entry(lspan, &KeyLine { key: m.key, value: (m.value.0, m.value.0) }, false, false);
                self.drop_entry(e);
            }
            None => self.unparsable(lspan, line),
        }
    }

    /// Handles a `[…]` line; returns whether the line was a header for Proxmox.
    fn header(&mut self, lspan: Span, line: &str) -> bool {
        let Some((s, e)) = bracket_header(line) else { return false };
        let inner = &line[s..e];
        let name = self.spanned(lspan, line, (s, e));
        let (kind, name) = match self.kind {
            GuestKind::Lxc => {
                if inner.eq_ignore_ascii_case("pve:pending") {
                    (SectionKind::Pending, name)
                } else if is_config_id(inner) {
                    (SectionKind::Snapshot, name)
                } else {
                    return false;
                }
            }
            GuestKind::Qemu => {
                let special = inner.get(..8).filter(|p| p.eq_ignore_ascii_case("special:")).map(|_| &inner[8..]);
                if inner.eq_ignore_ascii_case("pending") {
                    (SectionKind::Pending, name)
                } else if let Some(which) = special.filter(|w| *w == "cloudinit" || *w == "fleecing") {
                    (SectionKind::Special, self.spanned(lspan, line, (s + 8, s + 8 + which.len())))
                } else if is_config_id(inner) {
                    (SectionKind::Snapshot, name)
                } else {
                    self.current = None;
                    let d = syntax::UNKNOWN_SECTION_TYPE
                        .at(lspan, format!("`[{inner}]` is not a snapshot, pending or special section; Proxmox skips it with all its lines"))
                        .with_help("snapshot names match `[a-z][a-z0-9_-]+`; remove the section or rename it");
                    self.push_diag(d, None);
                    return true;
                }
            }
        };
        let index_key = (kind, if kind == SectionKind::Pending { String::new() } else { name.value.clone() });
        let serial = self.next_serial;
        self.next_serial += 1;
        // Serials grow with `sections` (sections are never removed while parsing, only
        // marked dead and dropped at the end): a binary search, not a scan and a shift.
        let dup = self.section_index.insert(index_key, serial).and_then(|old| self.serials.binary_search(&old).ok());
        if let Some(i) = dup {
            self.dead[i] = true;
            let old = &self.sections[i];
            let mut d = syntax::DUPLICATE_SECTION_ID.at(
                lspan,
                format!(
                    "section `[{inner}]` appears twice; Proxmox keeps only this later one and forgets the earlier one"
                ),
            );
            if let Some(h) = old.header {
                d = d.with_label(h, "the earlier section, discarded");
            }
            self.push_diag(d.with_help("merge the two sections or delete one"), None);
        }
        self.sections.push(GuestSection::new(kind, Some(name), Some(lspan)));
        self.serials.push(serial);
        self.dead.push(false);
        self.current = Some(self.sections.len() - 1);
        true
    }

    fn unparsable(&mut self, lspan: Span, line: &str) {
        let trimmed = line.trim_start_matches(is_perl_space);
        let indented = trimmed.len() != line.len();
        let here = self.section_label();
        let (code, msg, help) = if indented && bracket_header(trimmed).is_some() {
            (
                syntax::INDENTED_HEADER,
                format!("this section header does not start in column 0, so Proxmox ignores it and the keys below it stay in {here}"),
                "remove the leading whitespace".to_string(),
            )
        } else if bracket_header(line).is_some() {
            (
                syntax::UNPARSABLE_LINE,
                format!("`{}` is not a valid section header (snapshot names match `[a-z][a-z0-9_-]+`); Proxmox ignores the line and the keys below it stay in {here}", line.trim_end_matches(is_perl_space)),
                "rename the section or remove the line".to_string(),
            )
        } else if indented && trimmed.starts_with('#') {
            (
                syntax::UNPARSABLE_LINE,
                "a `#` line that does not start in column 0 is neither a comment nor part of the description; Proxmox cannot parse it and ignores it".to_string(),
                "start the line with `#`".to_string(),
            )
        } else if indented {
            (
                syntax::UNPARSABLE_LINE,
                "this line starts with whitespace; Proxmox cannot parse it and ignores it".to_string(),
                "remove the leading whitespace".to_string(),
            )
        } else if line
            .trim_end_matches(is_perl_space)
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            (
                syntax::UNPARSABLE_LINE,
                format!(
                    "`{}` has no `:` and no value; Proxmox cannot parse this line and ignores it",
                    line.trim_end_matches(is_perl_space)
                ),
                "write it as `key: value`, or delete the line".to_string(),
            )
        } else if self.kind == GuestKind::Lxc && match_key_line(line, true).is_some() {
            (
                syntax::UNPARSABLE_LINE,
                "container config keys contain no `-`; Proxmox cannot parse this line and ignores it".to_string(),
                "use the key's spelling from `pct.conf(5)`".to_string(),
            )
        } else {
            (
                syntax::UNPARSABLE_LINE,
                "Proxmox cannot parse this line (expected `key: value`) and ignores it".to_string(),
                "write it as `key: value` with a lowercase key and no space before the colon, or delete it".to_string(),
            )
        };
        let d = code.at(lspan, msg).with_help(help);
        self.push_diag(d, None);
    }

    fn lxc_raw(&mut self, lspan: Span, m: KeyLine) {
        let entry = self.entry(lspan, &m, true, true);
        let key = entry.key.spanned(self.text());
        match lxc_key_validity(key.value) {
            LxcKeyValidity::Valid | LxcKeyValidity::CgroupV1 | LxcKeyValidity::Deprecated { .. } => {
                if let Some(cur) = self.current {
                    self.sections[cur].entries.push(entry);
                }
            }
            LxcKeyValidity::Rejected(why) => {
                let d = syntax::UNKNOWN_KEY
                    .at(key.span, format!("Proxmox rejects `{}` (\"{why}\") and drops the line", key.value))
                    .with_help("express this through the container's own options (`rootfs`, `mpN`) instead");
                self.push_diag(d, Some(key.value));
                self.drop_entry(entry);
            }
            LxcKeyValidity::Unknown => {
                let d = syntax::UNKNOWN_KEY
                    .at(key.span, format!("`{}` is not a raw LXC key that Proxmox allows; it drops the line (\"unable to parse config\")", key.value))
                    .with_help("check the key against lxc.container.conf(5) and Proxmox's allowed list (pct.conf(5))");
                self.push_diag(d, Some(key.value));
                self.drop_entry(entry);
            }
        }
    }

    fn drop_entry(&mut self, e: Entry) {
        if let Some(cur) = self.current {
            self.sections[cur].dropped.push(e);
        }
    }

    fn store(&mut self, e: Entry) {
        let Some(cur) = self.current else { return };
        let serial = self.serials[cur];
        let slot = self.sections[cur].entries.len();
        let key = e.key_str(self.text());
        let index_key = (serial, key);
        let found = if e.raw_lxc { self.key_index.remove(&index_key) } else { self.key_index.insert(index_key, slot) };
        let sec = &mut self.sections[cur];
        if let Some(i) = found {
            // The earlier entry leaves its place now and the list at the end of parsing.
            let old = std::mem::replace(&mut sec.entries[i], e);
            self.replaced.entry(serial).or_default().push(i);
            let which = if self.kind == GuestKind::Lxc { "the last one wins" } else { "the last valid one wins" };
            let d = syntax::DUPLICATE_KEY
                .at(
                    old.line(self.text()),
                    format!(
                        "`{}` is set again later in {}; {which}, so Proxmox ignores this line",
                        key,
                        self.section_label()
                    ),
                )
                .with_label(e.line(self.text()), "this value is used")
                .with_help("delete one of the two lines");
            self.sections[cur].dropped.push(old);
            self.sections[cur].entries.push(e);
            self.push_diag(d, Some(key));
            return;
        }
        sec.entries.push(e);
    }

    fn key_value(&mut self, lspan: Span, line: &str, m: KeyLine) {
        let Some(cur) = self.current else { return };
        let written = &line[m.key.0..m.key.1];
        let mut entry = self.entry(lspan, &m, false, true);
        let key = Spanned::new(written, entry.key);
        let value = entry.value.spanned(self.text());
        let section_kind = self.sections[cur].kind;
        if written == "delete" {
            if section_kind == SectionKind::Pending {
                self.store(entry);
            } else {
                let pend = if self.kind == GuestKind::Lxc { "[pve:pending]" } else { "[PENDING]" };
                let d = syntax::UNKNOWN_KEY
                    .at(
                        key.span,
                        format!(
                            "`delete` is only allowed in the {pend} section; Proxmox ignores it in {}",
                            self.section_label()
                        ),
                    )
                    .with_help("remove the line");
                self.push_diag(d, Some("delete"));
                self.drop_entry(entry);
            }
            return;
        }
        // [special:cloudinit] is stored without validation.
        if section_kind == SectionKind::Special && self.sections[cur].name_str() == "cloudinit" {
            self.store(entry);
            return;
        }
        let ty = if section_kind == SectionKind::Special {
            (written == "fleecing-images").then_some(ValueType::VolumeIdList)
        } else {
            match self.kind {
                GuestKind::Lxc => lxc_key_type(written),
                GuestKind::Qemu => qemu_key_type(written),
            }
        };
        let Some(ty) = ty else {
            let d = match self.kind {
                GuestKind::Lxc => syntax::UNKNOWN_KEY.at(
                    key.span,
                    format!("`{written}` is not a container option; Proxmox keeps the line but ignores it (\"unknown setting\")"),
                ),
                GuestKind::Qemu => syntax::UNKNOWN_KEY.at(
                    key.span,
                    format!("`{written}` is not a VM option{}; Proxmox drops the line (\"unknown setting\")",
                        if section_kind == SectionKind::Special { " of this section" } else { "" }),
                ),
            }
            .with_help("check the spelling against the option list (pct.conf(5) / qm.conf(5))");
            self.push_diag(d, Some(written));
            match self.kind {
                GuestKind::Lxc => {
                    entry.valid = false;
                    self.store(entry);
                }
                GuestKind::Qemu => self.drop_entry(entry),
            }
            return;
        };
        let problems = check_type(self.text(), ty, value);
        let comment = inline_comment(value.value);
        if !problems.is_empty() {
            let first = &problems[0];
            let effect = match (self.kind, &ty) {
                (GuestKind::Lxc, ValueType::Prop(_)) if is_lxc_volume_key(written) => {
                    "Proxmox keeps the raw text but skips this mount point when starting, snapshotting and backing up the container"
                }
                (GuestKind::Lxc, _) => "Proxmox keeps the raw text, but the setting does not work as written",
                (GuestKind::Qemu, ValueType::Prop(_)) if is_qemu_disk_key(written) => {
                    "Proxmox drops the line, so the disk disappears from the VM"
                }
                (GuestKind::Qemu, _) => "Proxmox drops the line",
            };
            let more = if problems.len() > 1 {
                format!(" (and {} more)", crate::text::count(problems.len() - 1, "problem"))
            } else {
                String::new()
            };
            let mut d = syntax::INVALID_VALUE
                .at(first.span, format!("invalid value for `{written}`: {}{more}; {effect}", first.message));
            d = d.with_related(problems.iter().skip(1), |p| (p.span, p.message.clone()));
            let help = if comment.is_some() {
                "guest configs have no inline comments: move the `# …` text to its own line".to_string()
            } else {
                format!("fix the value of `{written}` (see pct.conf(5) / qm.conf(5))")
            };
            self.push_diag(d.with_help(help), Some(written));
            match self.kind {
                GuestKind::Lxc => {
                    entry.valid = false;
                    self.store(entry);
                }
                GuestKind::Qemu => self.drop_entry(entry),
            }
            return;
        }
        if let Some((span, msg, unusable)) = self.unusable_volume(written, value) {
            let d = syntax::INVALID_VALUE.at(span, msg).with_help(
                "write an existing volume as `storage:volname` (see `pvesm list <storage>`), or an absolute path for a bind mount",
            );
            self.push_diag(d, Some(written));
            entry.valid = !unusable;
        }
        if let Some(pos) = comment.filter(|_| written != "description") {
            let sp = value.span.sub(pos, value.value.len());
            let d = syntax::INVALID_VALUE
                .at(
                    sp,
                    format!(
                        "`{}` is part of the value of `{written}`: guest configs have no inline comments",
                        &value.value[pos..]
                    ),
                )
                .with_severity(crate::Severity::Warning)
                .with_help("move the comment to its own `#` line (it then becomes part of the description)");
            self.push_diag(d, Some(written));
        }
        if self.kind == GuestKind::Qemu && written == "cdrom" {
            entry.cdrom_alias = true;
        }
        self.store(entry);
    }
}

/// `STORAGE:SIZE` (`local-lvm:8`): the API's syntax to allocate a new volume, never a
/// volume name in a saved config.
fn is_alloc_syntax(volname: &str) -> bool {
    let (a, b) = match volname.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (volname, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    digits(a) && b.iter().all(|b| digits(b))
}

impl Parser<'_> {
    /// Problems of a volume-bearing value that passes the type check but that Proxmox
    /// cannot use: `(span, message, drive ignored)`.
    fn unusable_volume(&self, key: &str, value: Spanned<&str>) -> Option<(Span, String, bool)> {
        let text = self.text();
        let lxc = self.kind == GuestKind::Lxc;
        let vol_key = if lxc { is_lxc_volume_key(key) } else { is_qemu_disk_key(key) };
        let single = key == "hookscript" || (!lxc && key == "vmstate");
        if !vol_key && !single {
            return None;
        }
        let props = if single { whole_as_props(value.span) } else { propstring::parse(value) };
        let vol = default_value(text, &props, &["volume", "file"])?;
        let what = if lxc { "the container cannot start" } else { "the VM cannot start" };
        if let Some((_, volname)) = volume::split_volume_id(vol.value) {
            if is_alloc_syntax(volname) {
                return Some((
                    vol.span,
                    format!(
                        "`{}` is the API's `STORAGE:SIZE` syntax for allocating a new volume, not a volume; no storage has a volume named `{volname}`, so {what}",
                        vol.value
                    ),
                    false,
                ));
            }
        } else if lxc && !vol.value.starts_with('/') {
            return Some((
                vol.span,
                format!("`{}` is neither a volume ID (`storage:volname`) nor an absolute path; {what}", vol.value),
                false,
            ));
        }
        if lxc || single {
            return None;
        }
        // QEMU `parse_drive` checks beyond the schema: the line is kept, but the drive is
        // ignored when the VM starts and by backups.
        let is = |k: &str| props.get(text, k).is_some();
        let truthy = |k: &str| props.get(text, k).is_some_and(|v| v.value != "0" && props.flag(text, k) != Some(false));
        let mut why = None;
        for (a, b) in [("mbps_rd", "mbps"), ("mbps_wr", "mbps"), ("iops_rd", "iops"), ("iops_wr", "iops")] {
            if truthy(a) && truthy(b) {
                why = Some(format!("`{a}` and `{b}` exclude each other"));
            }
        }
        for k in ["bps", "bps_rd", "bps_wr"] {
            if is(k) && is(&format!("m{k}")) {
                why = Some(format!("both `{k}` and `m{k}` are set"));
            }
        }
        if is_cdrom_media(text, &props) {
            if let Some(k) = ["snapshot", "trans", "format", "heads", "secs", "cyls"].into_iter().find(|k| truthy(k)) {
                why = Some(format!("a CD-ROM drive cannot have `{k}`"));
            }
            if split_index(key).0 == "virtio" {
                why = Some("a VirtIO drive cannot be a CD-ROM".to_string());
            }
        }
        why.map(|w| {
            (
                value.span,
                format!("{w}; Proxmox keeps the line but cannot parse the drive, so it is left out when the VM starts and when it is backed up"),
                true,
            )
        })
    }
}

fn is_lxc_volume_key(k: &str) -> bool {
    matches!(split_index(k), ("rootfs", None) | ("mp", Some(_)) | ("unused", Some(_)))
}

fn is_qemu_disk_key(k: &str) -> bool {
    k == "cdrom"
        || matches!(
            split_index(k),
            ("ide" | "sata" | "scsi" | "virtio" | "unused", Some(_)) | ("efidisk", Some(0)) | ("tpmstate", Some(0))
        )
}

/// `text` is the file's text, `v` the value.
fn check_type(text: &str, ty: ValueType, v: Spanned<&str>) -> Vec<propstring::PropProblem> {
    let p = |m: String| vec![propstring::PropProblem { span: v.span, message: m }];
    let s = v.value;
    match ty {
        ValueType::Str => Vec::new(),
        ValueType::Bool => match propstring::parse_boolean(s) {
            Some(_) => Vec::new(),
            None => p(format!("`{s}` is not a boolean (1/0, on/off, yes/no, true/false)")),
        },
        ValueType::Int => {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                Vec::new()
            } else {
                p(format!("`{s}` is not a non-negative integer"))
            }
        }
        ValueType::Number => {
            let ok = match s.split_once('.') {
                Some((a, b)) => {
                    !a.is_empty() && !b.is_empty() && (a.to_string() + b).bytes().all(|c| c.is_ascii_digit())
                }
                None => !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()),
            };
            if ok {
                Vec::new()
            } else {
                p(format!("`{s}` is not a number"))
            }
        }
        ValueType::VolumeId => match check_volume_id(s) {
            Ok(()) => Vec::new(),
            Err(m) => p(m),
        },
        ValueType::ConfigId => {
            if is_config_id(s) {
                Vec::new()
            } else {
                p(format!("`{s}` is not a valid snapshot name (`[a-z][a-z0-9_-]+`)"))
            }
        }
        ValueType::StorageId => {
            if volume::is_valid_storage_id(s) {
                Vec::new()
            } else {
                p(format!("`{s}` is not a valid storage ID"))
            }
        }
        ValueType::VolumeIdList => split_list(v)
            .into_iter()
            .filter_map(|item| {
                check_volume_id(item.value).err().map(|m| propstring::PropProblem { span: item.span, message: m })
            })
            .collect(),
        ValueType::Prop(parts) => {
            let ps = propstring::parse(v);
            propstring::validate(text, &ps, parts, v.span)
        }
    }
}

/// Parses one guest config. Never fails; Proxmox's warnings become syntax diagnostics.
pub fn parse(file: &SourceFile, kind: GuestKind, vmid: u32, diags: &mut Vec<Diagnostic>) -> GuestConfig {
    // Most lines are entries of the main section: one allocation each for the entries
    // and the key index, trimmed when parsing ends. Capped: a hostile file of empty lines
    // must not reserve memory for entries it does not have.
    let lines = (file.text.bytes().filter(|b| *b == b'\n').count() + 1).min(256);
    let mut main = GuestSection::new(SectionKind::Main, None, None);
    main.entries.reserve_exact(lines);
    let mut p = Parser {
        file,
        kind,
        object: format!("guest:{vmid}"),
        diags,
        sections: vec![main],
        current: Some(0),
        serials: vec![0],
        dead: vec![false],
        next_serial: 1,
        key_index: std::collections::HashMap::with_capacity(lines),
        replaced: Default::default(),
        section_index: Default::default(),
    };
    let file = p.file;
    for (span, line) in file.lines() {
        p.line(span, line);
    }
    if p.dead.iter().any(|d| *d) {
        let mut k = 0;
        p.sections.retain(|_| {
            k += 1;
            !p.dead[k - 1]
        });
        let mut k = 0;
        p.serials.retain(|_| {
            k += 1;
            !p.dead[k - 1]
        });
    }
    for (sec, serial) in p.sections.iter_mut().zip(&p.serials) {
        if let Some(gone) = p.replaced.get(serial) {
            let gone: std::collections::HashSet<usize> = gone.iter().copied().collect();
            let mut i = 0;
            sec.entries.retain(|_| {
                i += 1;
                !gone.contains(&(i - 1))
            });
        }
    }
    // The model lives as long as the run: no spare capacity.
    for sec in &mut p.sections {
        sec.entries.shrink_to_fit();
        sec.description.shrink_to_fit();
        sec.dropped.shrink_to_fit();
    }
    p.sections.shrink_to_fit();
    GuestConfig { kind, text: FileText(file.text.clone()), sections: p.sections }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    fn load(kind: GuestKind, text: &str) -> (SourceFile, GuestConfig, Vec<Diagnostic>) {
        let f = SourceFile::new(FileId(0), "nodes/pve/x/100.conf", text.to_string());
        let mut d = Vec::new();
        let c = parse(&f, kind, 100, &mut d);
        (f, c, d)
    }

    fn lxc(text: &str) -> (SourceFile, GuestConfig, Vec<Diagnostic>) {
        load(GuestKind::Lxc, text)
    }

    fn qemu(text: &str) -> (SourceFile, GuestConfig, Vec<Diagnostic>) {
        load(GuestKind::Qemu, text)
    }

    fn codes(d: &[Diagnostic]) -> Vec<&'static str> {
        d.iter().map(|d| d.code).collect()
    }

    /// The span of the first occurrence of `needle` in the file.
    fn span_of(f: &SourceFile, needle: &str) -> Span {
        let at = f.text.find(needle).expect(needle);
        Span::new(f.id, at, at + needle.len())
    }

    fn loc(f: &SourceFile, s: Span) -> String {
        let (l1, c1) = f.line_col(s.start);
        let (l2, c2) = f.line_col(s.end);
        format!("{l1}:{c1}-{l2}:{c2}")
    }

    /// One line per value, with `line:col-line:col`.
    fn dump(f: &SourceFile, c: &GuestConfig, d: &[Diagnostic]) -> String {
        let mut out = String::new();
        for (i, s) in c.sections.iter().enumerate() {
            out += &format!(
                "section {i} {:?} {} @{}\n",
                s.kind,
                s.name.as_ref().map_or("-".to_string(), |n| format!("{:?} @{}", n.value, loc(f, n.span))),
                s.header.map_or("-".to_string(), |h| loc(f, h))
            );
            for l in &s.description {
                out += &format!("  # {:?} @{}\n", l.value, loc(f, l.span));
            }
            for e in &s.entries {
                out += &format!(
                    "  {}{}: {:?} @{} val @{}{}\n",
                    if e.raw_lxc { "raw " } else { "" },
                    c.key(e),
                    c.value(e),
                    loc(f, e.key),
                    loc(f, e.value),
                    if e.valid { "" } else { " INVALID" }
                );
            }
            for e in &s.dropped {
                out += &format!("  dropped {}: {:?} @{}\n", c.key(e), c.value(e), loc(f, c.line(e)));
            }
        }
        for v in c.volumes() {
            let target = match v.target {
                VolumeTarget::Volume(id) => format!(
                    "volume storage={:?} @{} volname={:?} owner={:?}",
                    c.str(id.storage),
                    loc(f, id.storage),
                    c.str(id.volname),
                    id.owner
                ),
                VolumeTarget::Bind(p) => format!("Bind({:?})", c.str(p)),
                VolumeTarget::Device(p) => format!("Device({:?})", c.str(p)),
                VolumeTarget::HostPath(p) => format!("HostPath({:?})", c.str(p)),
                t => format!("{t:?}"),
            };
            out += &format!(
                "volume s{} {} {:?} @{} {target} backup={:?} flag={:?} shared={} mp={:?}\n",
                v.section,
                c.key(c.entry_of(&v)),
                c.str(v.value),
                loc(f, v.value),
                v.backup,
                c.prop(&v, "backup").map(|b| b.value),
                c.flag(&v, "shared") == Some(true),
                c.mount_path(&v).map(|m| m.value),
            );
        }
        for d in d {
            out += &format!("{} {} @{}: {}\n", d.code, d.severity.as_str(), loc(f, d.span), d.message);
        }
        out
    }

    #[test]
    fn snapshots() {
        insta::glob!("../../../../testdata/parse/guest", "*.conf", |path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let kind = if name.starts_with("qemu") { GuestKind::Qemu } else { GuestKind::Lxc };
            let (f, c, d) = load(kind, &text);
            insta::assert_snapshot!(dump(&f, &c, &d));
        });
    }

    #[test]
    fn incident_mount_point() {
        let text = "arch: amd64\nmp0: usb-3tb:subvol-113-disk-0,mp=/media/frigate,backup=1\nrootfs: local-lvm:vm-106-disk-0,size=8G\n";
        let (f, c, d) = lxc(text);
        assert!(d.is_empty(), "{d:?}");
        let vols = c.volumes();
        assert_eq!(vols.len(), 2);
        let mp = &vols[0];
        assert_eq!(c.key(c.entry_of(mp)), "mp0");
        assert_eq!(c.str(mp.value), "usb-3tb:subvol-113-disk-0");
        assert_eq!(loc(&f, mp.value), "2:6-2:31");
        assert_eq!(mp.backup, Backup::Included);
        assert_eq!(c.prop(mp, "backup").map(|b| b.value), Some("1"));
        assert_eq!(c.mount_path(mp).map(|m| m.value), Some("/media/frigate"));
        match &mp.target {
            VolumeTarget::Volume(v) => {
                assert_eq!(c.str(v.storage), "usb-3tb");
                assert_eq!(v.owner, Some(113));
                assert_eq!(f.slice(v.storage), "usb-3tb");
            }
            t => panic!("{t:?}"),
        }
        assert_eq!(vols[1].backup, Backup::Included);
        assert_eq!(c.mount_path(&vols[1]).map(|m| m.value), Some("/"));
    }

    #[test]
    fn lxc_backup_classification() {
        let text = "rootfs: /srv/ct,size=0\nmp0: local:vm-100-disk-1,mp=/a\nmp1: local:vm-100-disk-2,mp=/b,backup=0\nmp2: /mnt/data,mp=/c,backup=1\nmp3: /dev/sdb1,mp=/d,backup=yes,shared=1\nmp4: local:vm-100-disk-3,mp=/e,backup=on\nunused0: local:vm-100-disk-9\nhookscript: local:snippets/h.pl\n";
        let (f, c, d) = lxc(text);
        assert!(d.is_empty(), "{d:?}");
        let v = c.volumes();
        let b: Vec<Backup> = v.iter().map(|v| v.backup).collect();
        use Backup::*;
        assert_eq!(b, vec![Included, Excluded, Excluded, Excluded, Excluded, Included, Excluded, NotApplicable]);
        assert_eq!(v[0].target, VolumeTarget::Bind(span_of(&f, "/srv/ct")));
        assert_eq!(v[3].target, VolumeTarget::Bind(span_of(&f, "/mnt/data")));
        assert_eq!(c.prop(&v[3], "backup").unwrap().value, "1");
        assert_eq!(v[4].target, VolumeTarget::Device(span_of(&f, "/dev/sdb1")));
        assert_eq!(c.flag(&v[4], "shared"), Some(true));
    }

    #[test]
    fn lxc_duplicate_last_wins_even_if_invalid() {
        let (f, c, d) = lxc("memory: 512\nmemory: lots\n");
        let e = c.get("memory").unwrap();
        assert_eq!(c.value(e), "lots");
        assert!(!e.valid);
        assert_eq!(codes(&d), vec!["P008", "P006"]);
        assert_eq!(loc(&f, d[1].span), "1:1-1:12");
        assert_eq!(c.main().dropped.len(), 1);
    }

    #[test]
    fn qemu_duplicate_last_valid_wins() {
        let (_, c, d) = qemu("memory: 2048\ncores: 2\ncores: x\nmemory: 4096\n");
        assert_eq!(c.value(c.get("memory").unwrap()), "4096");
        assert_eq!(c.value(c.get("cores").unwrap()), "2");
        assert_eq!(codes(&d), vec!["P008", "P006"]);
    }

    #[test]
    fn rootfs_with_backup_is_invalid_and_skipped() {
        let (f, c, d) = lxc("rootfs: local-lvm:vm-100-disk-0,size=8G,backup=1\n");
        assert_eq!(codes(&d), vec!["P008"]);
        assert_eq!(f.slice(d[0].span), "backup");
        assert!(d[0].message.contains("skips this mount point"), "{}", d[0].message);
        assert!(c.get("rootfs").is_some_and(|e| !e.valid));
        assert!(c.volumes().is_empty());
    }

    #[test]
    fn mp_without_mp_key_is_invalid() {
        let (_, c, d) = lxc("mp0: local:vm-100-disk-1,backup=1\n");
        assert_eq!(codes(&d), vec!["P008"]);
        assert!(d[0].message.contains("`mp` is missing"));
        assert!(c.volumes().is_empty());
    }

    #[test]
    fn lxc_key_grammar() {
        let text = "cpu-units: 2\nMemory: 1\n  cores: 2\nswap:\n  # note\nfoo: bar\ndelete: swap\ntags:  \n";
        let (_, c, d) = lxc(text);
        // `swap:` and `tags:  ` (empty) are ignored by Proxmox without changing anything.
        assert_eq!(codes(&d), vec!["P004", "P004", "P004", "P004", "P007", "P007"]);
        assert!(c.get("swap").is_none() && c.get("tags").is_none());
        assert!(d[0].message.contains("no `-`"));
        // Unknown keys are kept (LXC stores them), `delete` outside pending is not.
        assert!(c.get("foo").is_some_and(|e| !e.valid));
        assert!(c.get("delete").is_none());
    }

    #[test]
    fn lxc_sections_and_descriptions() {
        let text = "#Frigate%3A NVR\nrootfs: local:vm-100-disk-0\n\n[pve:pending]\nmemory: 2048\ndelete: swap\n\n[snap1]\n#snap note\nrootfs: local:vm-100-disk-0\nsnaptime: 1700000000\nsnapstate: prepare\n";
        let (f, c, d) = lxc(text);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.sections.len(), 3);
        assert_eq!(c.main().description[0].value, "Frigate: NVR");
        assert_eq!(loc(&f, c.main().description[0].span), "1:2-1:16");
        let p = c.pending().unwrap();
        assert_eq!(p.name_str(), "pve:pending");
        assert_eq!(p.get(c.text(), "delete").unwrap().value_str(c.text()), "swap");
        let s = c.snapshot("snap1").unwrap();
        assert_eq!(s.description[0].value, "snap note");
        assert_eq!(s.get(c.text(), "snapstate").unwrap().value_str(c.text()), "prepare");
        let v = c.volumes();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].section, 2);
        assert_eq!(v[1].backup, Backup::NotApplicable);
    }

    #[test]
    fn lxc_bad_header_keeps_keys_in_previous_section() {
        let (_, c, d) = lxc("memory: 1\n\n[my snap]\nmemory: 2\n\n [snap2]\nswap: 1\n");
        assert_eq!(codes(&d), vec!["P004", "P006", "P005"]);
        assert_eq!(c.sections.len(), 1);
        assert_eq!(c.value(c.get("memory").unwrap()), "2");
    }

    #[test]
    fn duplicate_sections_keep_the_later_one() {
        let (_, c, d) = lxc("memory: 1\n\n[s1]\nmemory: 2\n\n[s1]\nmemory: 3\n");
        assert_eq!(codes(&d), vec!["P013"]);
        assert_eq!(c.sections.len(), 2);
        assert_eq!(c.snapshot("s1").unwrap().get(c.text(), "memory").unwrap().value_str(c.text()), "3");
    }

    #[test]
    fn raw_lxc_keys() {
        let text = "lxc.cgroup2.devices.allow: c 226:0 rwm\nlxc.mount.entry = /dev/dri dev/dri none bind,optional,create=dir\nlxc.mount.entry: /mnt/usb mnt/usb none bind 0 0\nlxc.rootfs.path: /x\nlxc.foo.bar: 1\nlxc.aa_profile: unconfined\nlxc.cgroup.devices.allow: a\n";
        let (f, c, d) = lxc(text);
        assert_eq!(codes(&d), vec!["P007", "P007"]);
        assert!(d[0].message.contains("auto generated"));
        let e = c.get("lxc.mount.entry").unwrap();
        assert!(e.raw_lxc);
        assert_eq!(c.value(e), "/dev/dri dev/dri none bind,optional,create=dir");
        assert_eq!(loc(&f, e.value), "2:19-2:65");
        assert_eq!(c.main().dropped.len(), 2);
        assert_eq!(
            lxc_key_validity("lxc.aa_profile"),
            LxcKeyValidity::Deprecated { replacement: "lxc.apparmor.profile" }
        );
        assert_eq!(lxc_key_validity("lxc.cgroup.devices.allow"), LxcKeyValidity::CgroupV1);
        assert_eq!(lxc_key_validity("lxc.net.0.type"), LxcKeyValidity::Valid);
    }

    #[test]
    fn qemu_disks_and_backup() {
        let text = "bios: ovmf\nscsi0: local-lvm:vm-100-disk-0,size=32G\nscsi1: /mnt/images/disk.raw,size=10G\nscsi2: local:vm-100-disk-2,backup=0\nvirtio0: /dev/disk/by-id/ata-X\nide2: local:iso/debian.iso,media=cdrom\ncdrom: none\nefidisk0: local-lvm:vm-100-disk-1,efitype=4m,pre-enrolled-keys=1,size=4M\ntpmstate0: local-lvm:vm-100-disk-3,size=4M,version=v2.0\nunused0: local-lvm:vm-100-disk-4\nsata0: volume=local:100/vm-100-disk-5.qcow2\nhookscript: local:snippets/hook.pl\n";
        let (f, c, d) = qemu(text);
        assert_eq!(codes(&d), vec!["P006"], "{d:?}");
        let v = c.volumes();
        let got: Vec<(&str, Backup)> = v.iter().map(|v| (c.key(c.entry_of(v)), v.backup)).collect();
        use Backup::*;
        assert_eq!(
            got,
            vec![
                ("scsi0", Included),
                ("scsi1", Included),
                ("scsi2", Excluded),
                ("virtio0", Included),
                ("ide2", NotApplicable),
                ("efidisk0", Included),
                ("tpmstate0", Included),
                ("unused0", Excluded),
                ("sata0", Included),
                ("hookscript", NotApplicable),
            ]
        );
        assert_eq!(v[1].target, VolumeTarget::HostPath(span_of(&f, "/mnt/images/disk.raw")));
        assert_eq!(v[3].target, VolumeTarget::Device(span_of(&f, "/dev/disk/by-id/ata-X")));
        assert_eq!(v[4].target, VolumeTarget::None);
        assert_eq!(c.str(v[8].value), "local:100/vm-100-disk-5.qcow2");
    }

    #[test]
    fn qemu_efidisk_without_ovmf_is_not_backed_up() {
        let (_, c, _) = qemu("efidisk0: local-lvm:vm-100-disk-1,size=4M\n");
        assert_eq!(c.volumes()[0].backup, Backup::Excluded);
    }

    #[test]
    fn qemu_drops_invalid_and_unknown() {
        let text = "scsi0: disk.raw,size=8G\nscsi1: local:vm-100-disk-1,bogus=1\nfoo-bar: 1\nonboot: maybe\nscsi31: local:vm-100-disk-2\n";
        let (_, c, d) = qemu(text);
        assert_eq!(codes(&d), vec!["P008", "P008", "P007", "P008", "P007"]);
        assert!(d[0].message.contains("disk disappears"));
        assert!(c.main().entries.is_empty());
        assert_eq!(c.main().dropped.len(), 5);
        assert!(c.volumes().is_empty());
    }

    #[test]
    fn qemu_sections() {
        let text = "#VM%20desc\nscsi0: local:vm-100-disk-0\nparent: snap1\n\n[PENDING]\nmemory: 4096\ndelete: balloon\n\n[special:cloudinit]\nipconfig0: ip=dhcp\nwhatever: x\n\n[special:fleecing]\nfleecing-images: local:vm-100-fleece-0,local:vm-100-fleece-1\n\n[snap1]\nscsi0: local:vm-100-disk-0\nvmstate: local:vm-100-state-snap1\nrunningmachine: pc-i440fx-8.1+pve0\n\n[weird:thing]\nscsi0: bad\n";
        let (_, c, d) = qemu(text);
        assert_eq!(codes(&d), vec!["P010"], "{d:?}");
        assert_eq!(c.sections.len(), 5);
        assert_eq!(c.main().description[0].value, "VM desc");
        assert_eq!(c.sections[2].kind, SectionKind::Special);
        assert_eq!(c.sections[2].name_str(), "cloudinit");
        assert!(c.sections[2].get(c.text(), "whatever").is_some());
        let v = c.volumes();
        let keys: Vec<(u32, &str)> = v.iter().map(|v| (v.section, c.key(c.entry_of(v)))).collect();
        assert_eq!(
            keys,
            vec![(0, "scsi0"), (3, "fleecing-images"), (3, "fleecing-images"), (4, "scsi0"), (4, "vmstate")]
        );
        assert_eq!(c.str(v[2].value), "local:vm-100-fleece-1");
        assert!(v[1..].iter().all(|v| v.backup == Backup::NotApplicable));
    }

    #[test]
    fn qemu_keys_with_hyphen_and_args() {
        let (_, c, d) =
            qemu("allow-ksm: 0\nargs: -cpu host,kvm=off # not a comment check\nvmstatestorage: local-zfs\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.value(c.get("args").unwrap()), "-cpu host,kvm=off # not a comment check");
    }

    #[test]
    fn inline_comments_are_part_of_the_value() {
        let (f, c, d) = lxc("hostname: web # the web server\nmemory: 512 # MiB\n");
        assert_eq!(codes(&d), vec!["P008", "P008"]);
        assert_eq!(d[0].severity, crate::Severity::Warning);
        assert_eq!(f.slice(d[0].span), "# the web server");
        assert!(d[1].help.as_deref().unwrap_or("").contains("inline comments"));
        assert_eq!(c.value(c.get("hostname").unwrap()), "web # the web server");
    }

    #[test]
    fn unusable_volumes() {
        let (f, c, d) = lxc("rootfs: local-lvm:8\nmp0: mydisk,mp=/x\nmp1: /mnt/a,mp=/y\n");
        assert_eq!(codes(&d), vec!["P008", "P008"]);
        assert!(d[0].message.contains("STORAGE:SIZE"));
        assert_eq!(f.slice(d[1].span), "mydisk");
        // The allocation syntax still names a storage; `mydisk` names nothing.
        let keys: Vec<String> = c.volumes().iter().map(|v| c.key(c.entry_of(v)).to_string()).collect();
        assert_eq!(keys, vec!["rootfs", "mp1"]);

        let text = "ide2: local:iso/x.iso,media=cdrom,format=raw\nvirtio1: local:iso/y.iso,media=cdrom\nscsi0: local:vm-100-disk-0,mbps=10,mbps_rd=5\nscsi1: local:vm-100-disk-1,media=cdrom,snapshot=0\n";
        let (_, c, d) = qemu(text);
        assert_eq!(codes(&d), vec!["P008", "P008", "P008"], "{d:?}");
        assert!(d[0].message.contains("cannot have `format`"));
        assert!(d[1].message.contains("VirtIO"));
        assert_eq!(c.main().entries.len(), 4);
        let keys: Vec<String> = c.volumes().iter().map(|v| c.key(c.entry_of(v)).to_string()).collect();
        assert_eq!(keys, vec!["scsi1"]);
    }

    #[test]
    fn incident_tree_guests_load_cleanly() {
        for (kind, text) in [
            (GuestKind::Lxc, include_str!("../../../../testdata/incident/pve/nodes/fun-bedbug/lxc/106.conf")),
            (GuestKind::Lxc, include_str!("../../../../testdata/incident/pve/nodes/fun-bedbug/lxc/113.conf")),
            (GuestKind::Lxc, include_str!("../../../../testdata/incident/pve/nodes/still-fawn/lxc/120.conf")),
            (GuestKind::Qemu, include_str!("../../../../testdata/incident/pve/nodes/still-fawn/qemu-server/101.conf")),
        ] {
            let (_, c, d) = load(kind, text);
            assert!(d.is_empty(), "{d:?}");
            assert!(!c.volumes().is_empty());
        }
        let (_, c, _) = lxc(include_str!("../../../../testdata/incident/pve/nodes/fun-bedbug/lxc/113.conf"));
        let mp0 = c.volumes().into_iter().find(|v| c.key(c.entry_of(v)) == "mp0").unwrap();
        assert_eq!(mp0.backup, Backup::Included);
    }

    #[test]
    fn bare_key_line() {
        let (_, _, d) = qemu("ide0\nsata1  \n");
        assert_eq!(codes(&d), vec!["P004", "P004"]);
        assert!(d[0].message.contains("has no `:`"));
    }

    #[test]
    fn crlf_lines_parse_like_proxmox() {
        let (_, c, d) = lxc("memory: 512\r\n\r\n[snap1]\r\nswap: 0\r\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.value(c.get("memory").unwrap()), "512");
        assert!(c.snapshot("snap1").is_some());
    }

    #[test]
    fn decode_text_percent() {
        assert_eq!(decode_text("a%3Ab%20%C3%A9%"), "a:b é%");
        assert_eq!(decode_text("100%zz"), "100%zz");
    }

    /// `propstring::validate` tracks the keys it has seen by their index in the format,
    /// which needs the names of a format to be unique.
    #[test]
    fn property_formats_have_unique_key_names() {
        let lxc = LXC_PLAIN.iter().map(|(k, _)| *k).chain(["mp0", "unused0"]).filter_map(lxc_key_type);
        let qemu = QEMU_PLAIN
            .iter()
            .map(|(k, _)| *k)
            .chain(["ide0", "sata0", "scsi0", "virtio0", "unused0"])
            .filter_map(qemu_key_type);
        let mut formats = 0;
        for ty in lxc.chain(qemu) {
            if let ValueType::Prop(parts) = ty {
                let names: Vec<&str> = parts.iter().flat_map(|p| p.iter().map(|k| k.name)).collect();
                let mut unique = names.clone();
                unique.sort_unstable();
                unique.dedup();
                assert_eq!(unique.len(), names.len(), "{names:?}");
                formats += 1;
            }
        }
        assert!(formats >= 10, "{formats}");
    }

    #[test]
    fn split_list_spans() {
        let v = Spanned::new("a, b;;c", Span::new(FileId(0), 10, 17));
        let l = split_list(v);
        let got: Vec<(&str, u32)> = l.iter().map(|s| (s.value, s.span.start)).collect();
        assert_eq!(got, vec![("a", 10), ("b", 13), ("c", 16)]);
    }

    #[test]
    fn never_panics() {
        let inputs = [
            "",
            "\n\n\n",
            "[",
            "[]",
            "[é]\nk: ü",
            "lxc.: x",
            "lxc.a",
            "mp0: ,,,=,",
            "description:",
            "snapstate:",
            "x: snapstate: delete",
            "scsi0: é:ü,media=cdrom",
            "#%",
            "#%e",
            "unused0: :",
            "rootfs: \u{1F600}",
        ];
        for t in inputs {
            for k in [GuestKind::Lxc, GuestKind::Qemu] {
                let (_, c, _) = load(k, t);
                let _ = c.volumes();
                assert_eq!(c.sections[0].kind, SectionKind::Main);
            }
        }
    }

    /// Loads every guest config of the shared corpus (listed in its MANIFEST.tsv) and
    /// asserts that each gives a model whose first section is the main one and whose
    /// spans (model, diagnostics, labels) all lie in the file; prints what fires.
    #[test]
    fn corpus_real_files() {
        let root = crate::testutil::corpus_dir();
        let manifest = std::fs::read_to_string(root.join("MANIFEST.tsv"))
            .unwrap_or_else(|e| panic!("{}/MANIFEST.tsv: {e} (set PVELINT_CORPUS)", root.display()));
        let mut findings = Vec::new();
        let mut stats = std::collections::BTreeMap::new();
        let mut n = 0;
        for line in manifest.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let kind = match cols.get(4) {
                Some(&"lxc") => GuestKind::Lxc,
                Some(&"qemu") => GuestKind::Qemu,
                _ => continue,
            };
            let path = root.join(cols[0]);
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned();
            let (f, c, d) = load(kind, &text);
            assert_eq!(c.sections[0].kind, SectionKind::Main, "{}", cols[0]);
            for span in crate::spancheck::debug_spans(&format!("{c:?}{d:?}")) {
                crate::spancheck::check_span(&f.text, f.id, span, cols[0]);
            }
            for s in &c.sections[1..] {
                *stats.entry(format!("section {:?}", s.kind)).or_insert(0) += 1;
            }
            for v in c.volumes() {
                let t = match &v.target {
                    VolumeTarget::Volume(id) => format!("volume owner={}", id.owner.is_some()),
                    VolumeTarget::Bind(_) => "bind".into(),
                    VolumeTarget::Device(_) => "device".into(),
                    VolumeTarget::HostPath(_) => "hostpath".into(),
                    VolumeTarget::None => "none".into(),
                    VolumeTarget::Cdrom => "cdrom".into(),
                };
                *stats.entry(format!("{:?} {t} {:?}", kind, v.backup)).or_insert(0) += 1;
            }
            n += 1;
            for d in d {
                findings.push(format!("{} {}: {} {}", cols[0], loc(&f, d.span), d.code, d.message));
            }
        }
        assert!(n > 0, "no guest config listed in {}/MANIFEST.tsv", root.display());
        eprintln!("{n} files, {} findings", findings.len());
        for (k, v) in &stats {
            eprintln!("  {k}: {v}");
        }
        for f in &findings {
            eprintln!("{f}");
        }
    }
}
