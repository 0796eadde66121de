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

//!
//! The module is split along what it holds: the model and the entry point here,
//! `lines.rs` (the line grammar and the parser), `lxc_keys.rs` and `qemu_keys.rs` (the
//! keys each kind knows, with their value formats), `volumes.rs` (volume references).

mod lines;
mod lxc_keys;
mod qemu_keys;
mod volumes;

use crate::diag::Diagnostic;
use crate::propstring::{self, PropItem, PropString, SubKey, SubType};
use crate::source::SourceFile;
use crate::span::{Span, Spanned};
use crate::syntax;
use crate::volume::{self, VolumeId};
use std::collections::HashMap;
use std::sync::LazyLock;

use lxc_keys::*;
use qemu_keys::*;
use volumes::*;

pub use lines::parse;
pub use lxc_keys::{lxc_key_validity, LxcKeyValidity};
pub use volumes::split_list;

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

/// A key table as a map, built once: every line of every guest config looks its key up.
fn key_map(table: &'static [(&'static str, ValueType)]) -> HashMap<&'static str, ValueType> {
    table.iter().copied().collect()
}

fn check_volume_id(v: &str) -> Result<(), String> {
    match volume::split_volume_id(v) {
        Some(_) => Ok(()),
        None => Err(format!("`{v}` is not a volume ID (`storage:volume`)")),
    }
}

const VOLUME_ONLY: &[SubKey] = &[SubKey::default("volume", SubType::Check(check_volume_id))];

#[cfg(test)]
mod tests {
    use super::lines::*;
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
        insta::glob!("../../../../../testdata/parse/guest", "*.conf", |path| {
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
            (GuestKind::Lxc, include_str!("../../../../../testdata/incident/pve/nodes/fun-bedbug/lxc/106.conf")),
            (GuestKind::Lxc, include_str!("../../../../../testdata/incident/pve/nodes/fun-bedbug/lxc/113.conf")),
            (GuestKind::Lxc, include_str!("../../../../../testdata/incident/pve/nodes/still-fawn/lxc/120.conf")),
            (
                GuestKind::Qemu,
                include_str!("../../../../../testdata/incident/pve/nodes/still-fawn/qemu-server/101.conf"),
            ),
        ] {
            let (_, c, d) = load(kind, text);
            assert!(d.is_empty(), "{d:?}");
            assert!(!c.volumes().is_empty());
        }
        let (_, c, _) = lxc(include_str!("../../../../../testdata/incident/pve/nodes/fun-bedbug/lxc/113.conf"));
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
