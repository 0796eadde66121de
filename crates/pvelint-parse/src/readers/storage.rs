//! `storage.cfg`: every storage type with its keys, and the effective values Proxmox
//! computes at parse time (pve-storage `src/PVE/Storage/Plugin.pm` → `parse_config`, `decode_value`, `check_config`; `src/PVE/Storage/DirPlugin.pm` → `check_config`).
//!
//! The model keeps what Proxmox keeps: invalid values are dropped (with a diagnostic),
//! defaults are filled in and point at the section header, the built-in `local` exists
//! even without a file.

use crate::diag::{Diagnostic, Severity};
use crate::section::{self, HeaderVerdict, KeyDef, RawSection, Schema, Section, ValueKind};
use crate::source::SourceFile;
use crate::span::{FileId, Span, Spanned};
use crate::syntax;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A storage plugin type.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StorageType {
    Dir,
    Btrfs,
    Nfs,
    Cifs,
    CephFs,
    ZfsPool,
    /// ZFS over iSCSI (`zfs:`).
    ZfsOverIscsi,
    Lvm,
    LvmThin,
    Rbd,
    Iscsi,
    IscsiDirect,
    Pbs,
    Esxi,
    /// Removed in PVE 9, still parsed so that rules can say so.
    Glusterfs,
    /// A type no built-in plugin provides: a third-party plugin, not validated.
    Foreign(String),
}

impl StorageType {
    pub fn from_name(name: &str) -> StorageType {
        match name {
            "dir" => StorageType::Dir,
            "btrfs" => StorageType::Btrfs,
            "nfs" => StorageType::Nfs,
            "cifs" => StorageType::Cifs,
            "cephfs" => StorageType::CephFs,
            "zfspool" => StorageType::ZfsPool,
            "zfs" => StorageType::ZfsOverIscsi,
            "lvm" => StorageType::Lvm,
            "lvmthin" => StorageType::LvmThin,
            "rbd" => StorageType::Rbd,
            "iscsi" => StorageType::Iscsi,
            "iscsidirect" => StorageType::IscsiDirect,
            "pbs" => StorageType::Pbs,
            "esxi" => StorageType::Esxi,
            "glusterfs" => StorageType::Glusterfs,
            other => StorageType::Foreign(other.to_string()),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            StorageType::Dir => "dir",
            StorageType::Btrfs => "btrfs",
            StorageType::Nfs => "nfs",
            StorageType::Cifs => "cifs",
            StorageType::CephFs => "cephfs",
            StorageType::ZfsPool => "zfspool",
            StorageType::ZfsOverIscsi => "zfs",
            StorageType::Lvm => "lvm",
            StorageType::LvmThin => "lvmthin",
            StorageType::Rbd => "rbd",
            StorageType::Iscsi => "iscsi",
            StorageType::IscsiDirect => "iscsidirect",
            StorageType::Pbs => "pbs",
            StorageType::Esxi => "esxi",
            StorageType::Glusterfs => "glusterfs",
            StorageType::Foreign(s) => s,
        }
    }

    /// Remote by nature: the data lives on another machine (the network plugins of pve-storage `src/PVE/Storage/`).
    pub fn is_network(&self) -> bool {
        matches!(
            self,
            StorageType::Nfs
                | StorageType::Cifs
                | StorageType::CephFs
                | StorageType::Rbd
                | StorageType::Iscsi
                | StorageType::IscsiDirect
                | StorageType::ZfsOverIscsi
                | StorageType::Pbs
                | StorageType::Esxi
                | StorageType::Glusterfs
        )
    }

    /// `@SHARED_STORAGE` (+ glusterfs of PVE 8): `shared` is forced to 1.
    pub fn forced_shared(&self) -> bool {
        self.is_network() && *self != StorageType::Esxi
    }

    /// Types whose volumes are files under a path.
    pub fn is_file_based(&self) -> bool {
        matches!(
            self,
            StorageType::Dir
                | StorageType::Btrfs
                | StorageType::Nfs
                | StorageType::Cifs
                | StorageType::CephFs
                | StorageType::Glusterfs
        )
    }

    /// Types whose `path` defaults to `/mnt/pve/<id>`.
    fn default_mnt_path(&self) -> bool {
        matches!(self, StorageType::Nfs | StorageType::Cifs | StorageType::CephFs | StorageType::Glusterfs)
    }

    /// Whether the plugin can hold this content type at all (whatever `content` says).
    pub fn supports(&self, c: ContentType) -> bool {
        self.content().is_some_and(|(all, _)| all.contains(&c))
    }

    /// Content types the plugin supports and its default content.
    fn content(&self) -> Option<(&'static [ContentType], &'static [ContentType])> {
        use ContentType::*;
        const FILE: &[ContentType] = &[Images, Rootdir, Vztmpl, Iso, Backup, Snippets, Import];
        Some(match self {
            StorageType::Dir => (&[Images, Rootdir, Vztmpl, Iso, Backup, Snippets, Import, None], &[Images, Rootdir]),
            StorageType::Btrfs => (&[Images, Rootdir, Vztmpl, Iso, Backup, Snippets, Import, None], &[Images, Rootdir]),
            StorageType::Nfs | StorageType::Cifs => (FILE, &[Images]),
            StorageType::Glusterfs => (&[Images, Vztmpl, Iso, Backup, Snippets, Import], &[Images]),
            StorageType::CephFs => (&[Vztmpl, Iso, Backup, Snippets, Import], &[Backup]),
            StorageType::ZfsPool => (&[Images, Rootdir], &[Images, Rootdir]),
            StorageType::ZfsOverIscsi => (&[Images], &[Images]),
            StorageType::Lvm => (&[Images, Rootdir], &[Images]),
            StorageType::LvmThin => (&[Images, Rootdir], &[Images, Rootdir]),
            StorageType::Rbd => (&[Images, Rootdir], &[Images]),
            StorageType::Iscsi | StorageType::IscsiDirect => (&[Images, None], &[Images]),
            StorageType::Pbs => (&[Backup, None], &[Backup]),
            StorageType::Esxi => (&[Import], &[Import]),
            StorageType::Foreign(_) => return Option::None,
        })
    }

    /// (required keys, optional keys) of the type (each plugin's `options` in pve-storage `src/PVE/Storage/*Plugin.pm`).
    fn keys(&self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            StorageType::Dir => (
                &["path"],
                &[
                    "content-dirs",
                    "nodes",
                    "shared",
                    "disable",
                    "prune-backups",
                    "max-protected-backups",
                    "content",
                    "format",
                    "mkdir",
                    "create-base-path",
                    "create-subdirs",
                    "is_mountpoint",
                    "bwlimit",
                    "preallocation",
                    "snapshot-as-volume-chain",
                    "maxfiles",
                ],
            ),
            StorageType::Btrfs => (
                &["path"],
                &[
                    "nodes",
                    "shared",
                    "disable",
                    "prune-backups",
                    "max-protected-backups",
                    "content",
                    "format",
                    "is_mountpoint",
                    "nocow",
                    "mkdir",
                    "create-base-path",
                    "create-subdirs",
                    "preallocation",
                    "maxfiles",
                ],
            ),
            StorageType::Nfs => (
                &["server", "export"],
                &[
                    "path",
                    "content-dirs",
                    "nodes",
                    "disable",
                    "prune-backups",
                    "max-protected-backups",
                    "options",
                    "content",
                    "format",
                    "mkdir",
                    "create-base-path",
                    "create-subdirs",
                    "bwlimit",
                    "preallocation",
                    "snapshot-as-volume-chain",
                    "maxfiles",
                ],
            ),
            StorageType::Cifs => (
                &["server", "share"],
                &[
                    "path",
                    "content-dirs",
                    "subdir",
                    "nodes",
                    "disable",
                    "prune-backups",
                    "max-protected-backups",
                    "content",
                    "format",
                    "username",
                    "password",
                    "domain",
                    "smbversion",
                    "mkdir",
                    "create-base-path",
                    "create-subdirs",
                    "bwlimit",
                    "preallocation",
                    "options",
                    "snapshot-as-volume-chain",
                    "maxfiles",
                ],
            ),
            StorageType::CephFs => (
                &[],
                &[
                    "path",
                    "content-dirs",
                    "monhost",
                    "nodes",
                    "subdir",
                    "disable",
                    "options",
                    "username",
                    "content",
                    "format",
                    "mkdir",
                    "create-base-path",
                    "create-subdirs",
                    "fuse",
                    "bwlimit",
                    "keyring",
                    "prune-backups",
                    "max-protected-backups",
                    "fs-name",
                    "maxfiles",
                ],
            ),
            StorageType::ZfsPool => {
                (&["pool"], &["blocksize", "sparse", "nodes", "disable", "content", "bwlimit", "mountpoint"])
            }
            StorageType::ZfsOverIscsi => (
                &["portal", "target", "pool", "blocksize", "iscsiprovider"],
                &[
                    "nodes",
                    "disable",
                    "nowritecache",
                    "sparse",
                    "comstar_hg",
                    "comstar_tg",
                    "lio_tpg",
                    "content",
                    "bwlimit",
                    "zfs-base-path",
                ],
            ),
            StorageType::Lvm => (
                &["vgname"],
                &[
                    "nodes",
                    "shared",
                    "disable",
                    "saferemove",
                    "saferemove-stepsize",
                    "saferemove_throughput",
                    "content",
                    "base",
                    "tagged_only",
                    "bwlimit",
                    "snapshot-as-volume-chain",
                ],
            ),
            StorageType::LvmThin => (&["thinpool", "vgname"], &["nodes", "disable", "content", "bwlimit"]),
            StorageType::Rbd => (
                &[],
                &[
                    "nodes",
                    "disable",
                    "monhost",
                    "pool",
                    "data-pool",
                    "namespace",
                    "username",
                    "content",
                    "krbd",
                    "keyring",
                    "bwlimit",
                ],
            ),
            StorageType::Iscsi | StorageType::IscsiDirect => {
                (&["portal", "target"], &["nodes", "disable", "content", "bwlimit"])
            }
            StorageType::Pbs => (
                &["server", "datastore"],
                &[
                    "namespace",
                    "port",
                    "nodes",
                    "disable",
                    "content",
                    "username",
                    "password",
                    "encryption-key",
                    "master-pubkey",
                    "prune-backups",
                    "max-protected-backups",
                    "fingerprint",
                    "maxfiles",
                ],
            ),
            StorageType::Esxi => (
                &["server", "username"],
                &["nodes", "shared", "disable", "content", "password", "skip-cert-verification", "port"],
            ),
            StorageType::Glusterfs => (
                &["volume"],
                &[
                    "path",
                    "server",
                    "server2",
                    "transport",
                    "nodes",
                    "disable",
                    "content",
                    "format",
                    "prune-backups",
                    "max-protected-backups",
                    "mkdir",
                    "create-base-path",
                    "create-subdirs",
                    "bwlimit",
                    "preallocation",
                    "maxfiles",
                ],
            ),
            StorageType::Foreign(_) => (&[], &[]),
        }
    }
}

impl fmt::Display for StorageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The built-in types, for "did you mean" and the list of all keys.
pub const BUILTIN_TYPES: &[&str] = &[
    "dir",
    "btrfs",
    "nfs",
    "cifs",
    "cephfs",
    "zfspool",
    "zfs",
    "lvm",
    "lvmthin",
    "rbd",
    "iscsi",
    "iscsidirect",
    "pbs",
    "esxi",
    "glusterfs",
];

/// A storage content type (pve-storage `Plugin.pm` → `$vtype_subdirs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContentType {
    Images,
    Rootdir,
    Vztmpl,
    Iso,
    Backup,
    Snippets,
    Import,
    None,
}

impl ContentType {
    pub const ALL: &'static [ContentType] = &[
        ContentType::Images,
        ContentType::Rootdir,
        ContentType::Vztmpl,
        ContentType::Iso,
        ContentType::Backup,
        ContentType::Snippets,
        ContentType::Import,
        ContentType::None,
    ];

    pub fn from_name(s: &str) -> Option<ContentType> {
        ContentType::ALL.iter().copied().find(|c| c.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            ContentType::Images => "images",
            ContentType::Rootdir => "rootdir",
            ContentType::Vztmpl => "vztmpl",
            ContentType::Iso => "iso",
            ContentType::Backup => "backup",
            ContentType::Snippets => "snippets",
            ContentType::Import => "import",
            ContentType::None => "none",
        }
    }

    /// The default sub-directory under a file-based storage's path.
    pub fn default_subdir(self) -> Option<&'static str> {
        Some(match self {
            ContentType::Images => "images",
            ContentType::Rootdir => "private",
            ContentType::Vztmpl => "template/cache",
            ContentType::Iso => "template/iso",
            ContentType::Backup => "dump",
            ContentType::Snippets => "snippets",
            ContentType::Import => "import",
            ContentType::None => return Option::None,
        })
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value Proxmox computes: written in the file, or a default. `span` points at the
/// value when written, at the section header when defaulted, and is `None` only for
/// the built-in `local` of a tree without storage.cfg.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effective<T> {
    pub value: T,
    pub span: Option<Span>,
    pub default: bool,
}

impl<T> Effective<T> {
    fn written(value: T, span: Span) -> Self {
        Effective { value, span: Some(span), default: false }
    }
    fn defaulted(value: T, span: Option<Span>) -> Self {
        Effective { value, span, default: true }
    }
}

/// One storage as Proxmox sees it after parsing.
#[derive(Clone, Debug)]
pub struct Storage {
    pub id: String,
    pub kind: StorageType,
    /// The `type: id` line; `None` for the built-in `local` without a written section.
    pub header: Option<Span>,
    /// The in-memory definition of `local` that Proxmox uses when the file has none
    /// (or one it replaces).
    pub builtin: bool,
    /// `false` when the section failed `check_config`: the ID exists but maps to
    /// nothing, so every use of it fails.
    pub usable: bool,
    /// The written section (not for the built-in `local`).
    pub section: Option<Section>,
    pub content: Effective<BTreeSet<ContentType>>,
    /// `None`: available on every node. `Some(empty)`: on no node.
    pub nodes: Option<Spanned<BTreeSet<String>>>,
    /// The span of the `disable` line when the storage is disabled.
    pub disabled: Option<Span>,
    pub shared: Effective<bool>,
    /// `path` of file-based types (canonical form), with `/mnt/pve/<id>` defaults.
    pub path: Option<Effective<String>>,
    /// zfspool: `mountpoint`, or `/<pool>`.
    pub mountpoint: Option<Effective<String>>,
    pub pool: Option<Spanned<String>>,
    pub is_mountpoint: Option<Spanned<String>>,
    /// `content-dirs` overrides.
    pub content_dirs: BTreeMap<ContentType, Spanned<String>>,
}

impl Storage {
    pub fn is_network(&self) -> bool {
        self.kind.is_network()
    }

    pub fn is_disabled(&self) -> bool {
        self.disabled.is_some()
    }

    /// Whether `nodes` lets the storage be used on `node` (ignores `disable`).
    pub fn node_allowed(&self, node: &str) -> bool {
        self.nodes.as_ref().is_none_or(|n| n.value.contains(node))
    }

    /// `storage_check_enabled` for `node`: usable, not disabled, allowed on the node.
    pub fn available_on(&self, node: &str) -> bool {
        self.usable && !self.is_disabled() && self.node_allowed(node)
    }

    pub fn has_content(&self, c: ContentType) -> bool {
        self.content.value.contains(&c)
    }

    /// The directory the storage's files live under on the host: `path` of file-based
    /// types, the mount point of a zfspool.
    pub fn fs_path(&self) -> Option<&Effective<String>> {
        self.path.as_ref().or(self.mountpoint.as_ref())
    }

    /// Where vzdump writes archives on a file-based storage (`get_backup_dir`).
    pub fn backup_dir(&self) -> Option<String> {
        if !self.kind.is_file_based() {
            return None;
        }
        let base = &self.path.as_ref()?.value;
        let sub = self.content_dirs.get(&ContentType::Backup).map_or("dump", |s| s.value.as_str());
        Some(join_path(base, sub))
    }

    /// `storage 'usb-3tb'`, for diagnostic objects.
    pub fn object(&self) -> String {
        format!("storage '{}'", self.id)
    }

    /// The span of `key`'s value in the written section.
    pub fn value_span(&self, key: &str) -> Option<Span> {
        self.section.as_ref()?.get(key).map(|v| v.span)
    }

    /// The span to point at for the storage as a whole: its header, or its ID.
    pub fn anchor(&self) -> Option<Span> {
        self.section.as_ref().map(|s| s.raw.id.span).or(self.header)
    }
}

/// The parsed storage.cfg.
#[derive(Clone, Debug, Default)]
pub struct StorageConfig {
    /// `None` when the tree has no storage.cfg.
    pub file: Option<FileId>,
    /// Effective storages in file order, the built-in `local` first when it is not written.
    pub storages: Vec<Storage>,
    /// Written sections Proxmox ignores: a `local` that the built-in definition replaces.
    pub shadowed: Vec<Storage>,
    /// A `nodes` line on `local`, which Proxmox deletes.
    pub local_nodes_ignored: Option<Span>,
}

impl StorageConfig {
    pub fn get(&self, id: &str) -> Option<&Storage> {
        self.storages.iter().find(|s| s.id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Storage> {
        self.storages.iter()
    }
}

fn join_path(base: &str, sub: &str) -> String {
    let sub = sub.trim_start_matches('/');
    if base.ends_with('/') {
        format!("{base}{sub}")
    } else {
        format!("{base}/{sub}")
    }
}

/// `File::Spec->canonpath`: collapse `//` and `/./`, drop a trailing `/`.
pub fn canonpath(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for part in p.split('/') {
        if part.is_empty() || part == "." {
            continue;
        }
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    if !p.starts_with('/') {
        out.remove(0);
    }
    out
}

/// `pve-storage-id`: `^[a-z][a-z0-9._-]*[a-z0-9]$`, case-insensitive.
pub fn valid_storage_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

use crate::text::valid_node_name;

pub use crate::text::split_list;

fn check_node_list(v: &str) -> Result<(), String> {
    for (a, b) in split_list(v) {
        let n = &v[a..b];
        if !valid_node_name(n) {
            return Err(format!("'{n}' is not a valid node name (letters, digits and inner hyphens only)"));
        }
    }
    Ok(())
}

fn check_content_list(v: &str) -> Result<(), String> {
    for (a, b) in split_list(v) {
        let w = &v[a..b];
        if ContentType::from_name(w).is_none() {
            let hint = section::suggest(w, ContentType::ALL.iter().map(|c| c.name()))
                .map(|s| format!(" (did you mean '{s}'?)"))
                .unwrap_or_default();
            return Err(format!("'{w}' is not a content type{hint}"));
        }
    }
    Ok(())
}

fn check_storage_path(v: &str) -> Result<(), String> {
    if !v.starts_with('/') {
        return Err(format!("'{v}' is not an absolute path"));
    }
    if v.contains([';', '(', ')']) {
        return Err(format!("'{v}' contains ';', '(' or ')'"));
    }
    Ok(())
}

fn check_lvm_name(v: &str) -> Result<(), String> {
    let b = v.as_bytes();
    let ok = b.len() >= 2
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(format!("'{v}' is not a valid LVM name"))
    }
}

fn check_content_dirs(v: &str) -> Result<(), String> {
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((k, dir)) = part.split_once('=') else {
            return Err(format!("'{part}' is not of the form <content>=<dir>"));
        };
        if ContentType::from_name(k).is_none() || k == "none" {
            return Err(format!("'{k}' is not a content type"));
        }
        if dir.is_empty() {
            return Err(format!("no directory given for '{k}'"));
        }
    }
    Ok(())
}

const BOOL_KEYS: &[&str] = &[
    "disable",
    "shared",
    "sparse",
    "krbd",
    "nowritecache",
    "fuse",
    "tagged_only",
    "saferemove",
    "skip-cert-verification",
    "mkdir",
    "create-base-path",
    "create-subdirs",
    "snapshot-as-volume-chain",
    "nocow",
];

fn value_kind(key: &str) -> ValueKind {
    if BOOL_KEYS.contains(&key) {
        return ValueKind::Bool;
    }
    match key {
        "nodes" => ValueKind::Custom(check_node_list),
        "content" => ValueKind::Custom(check_content_list),
        "path" | "export" | "mountpoint" | "subdir" => ValueKind::Custom(check_storage_path),
        "vgname" | "thinpool" => ValueKind::Custom(check_lvm_name),
        "port" => ValueKind::Int(1, 65535),
        "max-protected-backups" => ValueKind::Int(-1, i64::MAX),
        "maxfiles" => ValueKind::Int(0, i64::MAX),
        "format" => ValueKind::Enum(&["raw", "qcow2", "vmdk", "subvol"]),
        "preallocation" => ValueKind::Enum(&["off", "metadata", "falloc", "full"]),
        // A free string in ZFSPlugin.pm's `properties()` (no enum): Proxmox keeps any
        // value; one it cannot use is S107, not a dropped key.
        "smbversion" => ValueKind::Enum(&["default", "2.0", "2.1", "3", "3.0", "3.11"]),
        "transport" => ValueKind::Enum(&["tcp", "rdma", "unix"]),
        "prune-backups" => ValueKind::Custom(crate::vzdump_opts::validate_prune_backups),
        "content-dirs" => ValueKind::Custom(check_content_dirs),
        _ => ValueKind::Text,
    }
}

fn all_keys() -> Vec<&'static str> {
    let mut keys: BTreeSet<&'static str> = BTreeSet::new();
    for t in BUILTIN_TYPES {
        let (req, opt) = StorageType::from_name(t).keys();
        keys.extend(req.iter().copied());
        keys.extend(opt.iter().copied());
    }
    keys.into_iter().collect()
}

/// Parses storage.cfg (`None`: the tree has none, so only the built-in `local` exists).
pub fn parse(file: Option<&SourceFile>, diags: &mut Vec<Diagnostic>) -> StorageConfig {
    let mut cfg = StorageConfig { file: file.map(|f| f.id), ..StorageConfig::default() };
    let mut sections: Vec<(StorageType, Section)> = Vec::new();
    if let Some(file) = file {
        let raws = section::parse_sections(file, diags, header_verdict);
        let all = all_keys();
        let mut parsed = Vec::new();
        for raw in raws {
            let kind = StorageType::from_name(&raw.kind.value.to_ascii_lowercase());
            parsed.push((kind.clone(), apply(kind, raw, &all, diags)));
        }
        let kinds: BTreeMap<String, StorageType> =
            parsed.iter().map(|(k, s)| (s.id().to_string(), k.clone())).collect();
        let only: Vec<Section> = parsed.into_iter().map(|(_, s)| s).collect();
        for s in section::dedup_ids(only, "storage.cfg", diags, |id| format!("storage '{id}'")) {
            let kind = kinds.get(s.id()).cloned().unwrap_or(StorageType::Dir);
            sections.push((kind, s));
        }
    }
    let index = DiagIndex::new(diags);
    let mut storages: Vec<Storage> = sections.into_iter().map(|(kind, s)| build(kind, s, diags, &index)).collect();
    // The built-in `local` (pve-storage `Plugin.pm` → `parse_config`).
    let idx = storages.iter().position(|s| s.id == "local");
    let keep_written = idx.is_some_and(|i| {
        let s = &storages[i];
        s.usable && s.kind == StorageType::Dir && s.path.as_ref().is_some_and(|p| p.value == "/var/lib/vz")
    });
    match idx {
        Some(i) if keep_written => {
            let s = &mut storages[i];
            if let Some(n) = s.nodes.take() {
                cfg.local_nodes_ignored = s.section.as_ref().and_then(|sec| sec.key_line("nodes")).or(Some(n.span));
            }
        }
        Some(i) => {
            let written = storages.remove(i);
            let header = written.header;
            cfg.shadowed.push(written);
            storages.insert(0, builtin_local(header));
        }
        None => storages.insert(0, builtin_local(None)),
    }
    cfg.storages = storages;
    cfg
}

fn header_verdict(kind: &Spanned<String>, id: &Spanned<String>) -> HeaderVerdict {
    if !valid_storage_id(&id.value) {
        return HeaderVerdict::Skip(
            syntax::INVALID_SECTION_ID
                .at(id.span, format!("'{}' is not a valid storage ID; Proxmox skips the whole section", id.value))
                .with_help("storage IDs start with a letter, end with a letter or digit, and hold only letters, digits, '.', '_' and '-'")
                .with_object(format!("storage '{}'", id.value)),
        );
    }
    let lower = kind.value.to_ascii_lowercase();
    if BUILTIN_TYPES.contains(&lower.as_str()) {
        return HeaderVerdict::Accept;
    }
    if let Some(s) = section::suggest(&lower, BUILTIN_TYPES.iter().copied()) {
        return HeaderVerdict::Skip(
            syntax::UNKNOWN_SECTION_TYPE
                .at(kind.span, format!("unknown storage type '{}'; unless a third-party plugin provides it, Proxmox skips storage '{}'", kind.value, id.value))
                .with_help(format!("did you mean '{s}'?"))
                .with_object(format!("storage '{}'", id.value)),
        );
    }
    HeaderVerdict::Accept
}

fn apply(kind: StorageType, raw: RawSection, all: &[&'static str], diags: &mut Vec<Diagnostic>) -> Section {
    let object = format!("storage '{}'", raw.id.value);
    if let StorageType::Foreign(_) = kind {
        // A third-party plugin: its keys are unknown, keep every value as written.
        let mut values = BTreeMap::new();
        for p in &raw.props {
            let v = p.value.clone().unwrap_or_else(|| Spanned::new("1".to_string(), p.key.span));
            values.entry(p.key.value.clone()).or_insert(v);
        }
        return Section { raw, values, arrays: BTreeMap::new(), usable: true };
    }
    let (req, opt) = kind.keys();
    let defs: Vec<KeyDef> = req
        .iter()
        .map(|k| KeyDef::req(k, value_kind(k)))
        .chain(opt.iter().map(|k| KeyDef::opt(k, value_kind(k))))
        .collect();
    let schema = Schema { file: "storage.cfg", keys: &defs, all_keys: all, object };
    section::apply_schema(raw, &schema, diags)
}

/// Where the diagnostics about `nodes` and `content` values are, by file and start, so
/// that a storage finds the one about its line without searching every diagnostic
/// (n storages with an invalid value would cost O(n²)).
struct DiagIndex(BTreeMap<(&'static str, u32, u32), usize>);

impl DiagIndex {
    fn new(diags: &[Diagnostic]) -> Self {
        let mut m = BTreeMap::new();
        for (i, d) in diags.iter().enumerate() {
            for key in ["nodes", "content"] {
                if d.key.as_deref() == Some(key) {
                    m.insert((key, d.span.file.0, d.span.start), i);
                }
            }
        }
        DiagIndex(m)
    }

    /// The last diagnostic about `key` inside `line`.
    fn find(&self, diags: &[Diagnostic], key: &'static str, line: Span) -> Option<usize> {
        self.0
            .range((key, line.file.0, line.start)..=(key, line.file.0, line.end))
            .map(|(_, &i)| i)
            .filter(|&i| diags[i].span.end <= line.end)
            .max()
    }
}

fn build(kind: StorageType, mut s: Section, diags: &mut Vec<Diagnostic>, index: &DiagIndex) -> Storage {
    let id = s.id().to_string();
    let header = s.raw.header;
    let object = format!("storage '{id}'");
    // nodes
    let nodes = s.get("nodes").map(|v| {
        let set: BTreeSet<String> = split_list(&v.value).into_iter().map(|(a, b)| v.value[a..b].to_string()).collect();
        if set.is_empty() {
            diags.push(
                syntax::INVALID_VALUE
                    .at(v.span, format!("'nodes' of storage '{id}' lists no node; Proxmox then treats the storage as available on no node"))
                    .with_severity(Severity::Warning)
                    .with_object(object.clone())
                    .with_key("nodes")
                    .with_help("list the nodes the storage exists on, or remove the line to allow every node"),
            );
        }
        Spanned::new(set, v.span)
    });
    if nodes.is_none() {
        if let Some(p) = s.raw.props.iter().find(|p| p.key.value == "nodes" && p.value.is_some()) {
            // The value was rejected: say what that means for the storage.
            if let Some(d) = index.find(diags, "nodes", p.line).map(|i| &mut diags[i]) {
                d.message.push_str(&format!("; storage '{id}' is then available on every node"));
                d.help.get_or_insert_with(|| {
                    "fix or remove the invalid node name; node names are DNS labels without dots or underscores".into()
                });
            }
        }
    }
    // content
    let mut usable = s.usable;
    let content = match (kind.content(), s.get("content")) {
        (None, Some(v)) => {
            let set =
                split_list(&v.value).into_iter().filter_map(|(a, b)| ContentType::from_name(&v.value[a..b])).collect();
            Effective::written(set, v.span)
        }
        (None, None) => Effective::defaulted(BTreeSet::new(), Some(header)),
        (Some((supported, default)), Some(v)) => {
            let mut set = BTreeSet::new();
            for (a, b) in split_list(&v.value) {
                let Some(c) = ContentType::from_name(&v.value[a..b]) else { continue };
                if supported.contains(&c) {
                    set.insert(c);
                } else {
                    diags.push(
                        syntax::INVALID_VALUE
                            .at(v.span.sub(a, b), format!("storage type '{kind}' does not support content '{c}'; Proxmox drops it from storage '{id}'"))
                            .with_severity(Severity::Warning)
                            .with_object(object.clone())
                            .with_key("content")
                            .with_help(format!("content types of '{kind}': {}", supported.iter().map(|c| c.name()).collect::<Vec<_>>().join(", "))),
                    );
                }
            }
            if set.contains(&ContentType::None) && set.len() > 1 {
                usable = false;
                diags.push(
                    syntax::INVALID_VALUE
                        .at(
                            v.span,
                            format!(
                                "'none' cannot be combined with other content types; Proxmox cannot use storage '{id}'"
                            ),
                        )
                        .with_object(object.clone())
                        .with_key("content"),
                );
            } else if set.is_empty() {
                usable = false;
                diags.push(
                    syntax::INVALID_VALUE
                        .at(v.span, format!("no content type of storage '{id}' is supported by type '{kind}'; Proxmox cannot use the storage"))
                        .with_object(object.clone())
                        .with_key("content"),
                );
            }
            let _ = default;
            Effective::written(set, v.span)
        }
        (Some((_, default)), None) => {
            let line = s.raw.props.iter().find(|p| p.key.value == "content").map(|p| p.line);
            if let Some(d) = line.and_then(|l| index.find(diags, "content", l)).map(|i| &mut diags[i]) {
                d.message.push_str(&format!(
                    "; storage '{id}' then gets the default content of '{kind}': {}",
                    default.iter().map(|c| c.name()).collect::<Vec<_>>().join(",")
                ));
            }
            Effective::defaulted(default.iter().copied().collect(), Some(header))
        }
    };
    // disable, shared
    let disabled = s.get("disable").filter(|v| v.value == "1").map(|v| s.key_line("disable").unwrap_or(v.span));
    let shared = if kind.forced_shared() {
        Effective::defaulted(true, Some(header))
    } else {
        match s.get("shared") {
            Some(v) => Effective::written(v.value == "1", v.span),
            None => Effective::defaulted(false, Some(header)),
        }
    };
    // path
    let mut path = s.get("path").map(|v| Effective::written(canonpath(&v.value), v.span));
    if matches!(kind, StorageType::Dir | StorageType::Btrfs) {
        if let Some(p) = &path {
            let ok = p.value.len() > 1 && p.value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-/_.@".contains(&b));
            if !ok {
                usable = false;
                diags.push(
                    syntax::INVALID_VALUE
                        .at(p.span.unwrap_or(header), format!("path '{}' of storage '{id}' holds characters Proxmox refuses for a {kind} storage; the storage cannot be used", crate::diag::quote_bounded(&p.value)))
                        .with_object(object.clone())
                        .with_key("path")
                        .with_help("use only letters, digits and - / _ . @ in the path"),
                );
            }
        }
    }
    if path.is_none() && kind.default_mnt_path() {
        path = Some(Effective::defaulted(format!("/mnt/pve/{id}"), Some(header)));
    }
    let pool = s.get("pool").cloned();
    let mountpoint = if kind == StorageType::ZfsPool {
        match (s.get("mountpoint"), &pool) {
            (Some(m), _) => Some(Effective::written(canonpath(&m.value), m.span)),
            (None, Some(p)) => Some(Effective::defaulted(canonpath(&format!("/{}", p.value)), Some(p.span))),
            (None, None) => None,
        }
    } else {
        None
    };
    let mut content_dirs = BTreeMap::new();
    if let Some(v) = s.get("content-dirs") {
        let mut off = 0;
        for part in v.value.split(',') {
            if let Some((k, d)) = part.split_once('=') {
                if let Some(c) = ContentType::from_name(k.trim()) {
                    let start = off + part.len() - d.len();
                    content_dirs.insert(c, Spanned::new(d.trim().to_string(), v.span.sub(start, off + part.len())));
                }
            }
            off += part.len() + 1;
        }
    }
    s.usable = usable;
    Storage {
        id,
        kind,
        header: Some(header),
        builtin: false,
        usable,
        is_mountpoint: s.get("is_mountpoint").cloned(),
        section: Some(s),
        content,
        nodes,
        disabled,
        shared,
        path,
        mountpoint,
        pool,
        content_dirs,
    }
}

fn builtin_local(header: Option<Span>) -> Storage {
    use ContentType::{Backup, Images, Iso, Rootdir, Snippets, Vztmpl};
    Storage {
        id: "local".into(),
        kind: StorageType::Dir,
        header,
        builtin: true,
        usable: true,
        section: None,
        content: Effective::defaulted([Backup, Images, Iso, Rootdir, Snippets, Vztmpl].into_iter().collect(), header),
        nodes: None,
        disabled: None,
        shared: Effective::defaulted(false, header),
        path: Some(Effective::defaulted("/var/lib/vz".into(), header)),
        mountpoint: None,
        pool: None,
        is_mountpoint: None,
        content_dirs: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> (StorageConfig, Vec<Diagnostic>, SourceFile) {
        let f = SourceFile::new(FileId(0), "storage.cfg", text.to_string());
        let mut d = Vec::new();
        let c = parse(Some(&f), &mut d);
        (c, d, f)
    }

    #[test]
    fn builtin_local_without_file() {
        let mut d = Vec::new();
        let c = parse(None, &mut d);
        let local = c.get("local").unwrap();
        assert!(local.builtin && local.has_content(ContentType::Backup));
        assert_eq!(local.backup_dir().as_deref(), Some("/var/lib/vz/dump"));
        assert!(d.is_empty());
    }

    /// storage.cfg and jobs.cfg share one `prune-backups` validator, pve-storage's
    /// `validate_prune_backups`: these are accepted by Proxmox and get no P008.
    #[test]
    fn prune_backups_as_proxmox_validates_it() {
        for v in ["keep-all=1,keep-last=0", "keep-all=yes", "keep-last=+3"] {
            let (_, d, _) = parse_text(&format!("dir: bk\n\tpath /mnt/bk\n\tcontent backup\n\tprune-backups {v}\n"));
            assert!(d.is_empty(), "{v}: {d:?}");
        }
        let (_, d, _) =
            parse_text("dir: bk\n\tpath /mnt/bk\n\tcontent backup\n\tprune-backups keep-all=1,keep-last=2\n");
        assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), ["P008"], "{d:?}");
    }

    #[test]
    fn zfspool_defaults_and_nodes() {
        let (c, d, f) = parse_text("zfspool: usb-3tb\n\tpool usb-3tb\n\tcontent rootdir,images\n\tnodes fun-bedbug\n");
        assert!(d.is_empty(), "{d:?}");
        let s = c.get("usb-3tb").unwrap();
        assert_eq!(s.mountpoint.as_ref().unwrap().value, "/usb-3tb");
        assert!(s.mountpoint.as_ref().unwrap().default);
        assert!(s.node_allowed("fun-bedbug") && !s.node_allowed("still-fawn"));
        assert_eq!(f.slice(s.nodes.as_ref().unwrap().span), "fun-bedbug");
        assert!(!s.shared.value && !s.is_network());
    }

    #[test]
    fn bad_node_name_drops_restriction() {
        let (c, d, _) = parse_text("dir: backup\n\tpath /mnt/backup/\n\tnodes pve1,pve_2\n\tcontent backups\n");
        let s = c.get("backup").unwrap();
        assert!(s.nodes.is_none());
        assert!(s.node_allowed("anything"));
        assert_eq!(s.path.as_ref().unwrap().value, "/mnt/backup");
        assert!(s.content.default && !s.has_content(ContentType::Backup));
        let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert!(msgs.iter().any(|m| m.contains("available on every node")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("default content")), "{msgs:?}");
    }

    #[test]
    fn network_types() {
        let (c, d, _) = parse_text(
            "nfs: nas\n\tserver 10.0.0.2\n\texport /tank\n\tcontent backup\n\ncifs: smb\n\tserver s\n\tshare x\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let nas = c.get("nas").unwrap();
        assert!(nas.shared.value && nas.is_network());
        assert_eq!(nas.path.as_ref().unwrap().value, "/mnt/pve/nas");
        assert_eq!(nas.backup_dir().as_deref(), Some("/mnt/pve/nas/dump"));
        assert!(c.get("smb").unwrap().has_content(ContentType::Images));
    }

    #[test]
    fn local_replaced_or_kept() {
        let (c, _, _) = parse_text("dir: local\n\tpath /srv/local\n\tcontent iso\n");
        assert!(c.get("local").unwrap().builtin);
        assert_eq!(c.shadowed.len(), 1);
        let (c, _, _) = parse_text("dir: local\n\tpath /var/lib/vz\n\tcontent iso\n\tnodes a\n");
        let l = c.get("local").unwrap();
        assert!(!l.builtin && l.nodes.is_none() && c.local_nodes_ignored.is_some());
        assert!(l.has_content(ContentType::Iso) && !l.has_content(ContentType::Backup));
    }

    #[test]
    fn unsupported_content_and_unusable() {
        let (c, d, _) = parse_text("zfspool: zp\n\tpool tank\n\tcontent backup\n");
        assert!(!c.get("zp").unwrap().usable);
        assert!(d.iter().any(|d| d.code == "P008"));
    }

    #[test]
    fn foreign_and_typo_types() {
        let (c, d, _) = parse_text("purestorage: fa\n\taddress 1.2.3.4\n\nzfspoll: zz\n\tpool x\n");
        assert!(matches!(c.get("fa").unwrap().kind, StorageType::Foreign(_)));
        assert!(c.get("zz").is_none());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "P010");
    }

    #[test]
    fn content_dirs_and_disable() {
        let (c, d, _) = parse_text("dir: dd\n\tpath /data\n\tcontent-dirs backup=bk/x\n\tdisable\n");
        assert!(d.is_empty(), "{d:?}");
        let s = c.get("dd").unwrap();
        assert_eq!(s.backup_dir().as_deref(), Some("/data/bk/x"));
        assert!(s.is_disabled() && !s.available_on("n"));
    }

    #[test]
    fn split_list_ranges() {
        assert_eq!(split_list("a, b;;c"), vec![(0, 1), (3, 4), (6, 7)]);
        assert!(split_list(" ,").is_empty());
        assert_eq!(canonpath("/mnt//x/./y/"), "/mnt/x/y");
    }
}

#[cfg(test)]
mod snapshot_tests {
    use super::*;

    /// A compact dump of the model: one line per storage and effective value, with
    /// `line:col-line:col` ranges (`default@` for values implied by the header).
    fn dump(text: &str) -> String {
        let f = SourceFile::new(FileId(0), "storage.cfg", text.to_string());
        let mut diags = Vec::new();
        let cfg = parse(Some(&f), &mut diags);
        let loc = |s: Option<Span>| s.map_or("-".to_string(), |s| crate::testutil::range(&f, s));
        let eff =
            |e: &Effective<String>| format!("{}{} @{}", if e.default { "default " } else { "" }, e.value, loc(e.span));
        let mut out = String::new();
        for s in cfg.storages.iter().chain(cfg.shadowed.iter().inspect(|_| ())) {
            let shadowed = cfg.shadowed.iter().any(|x| std::ptr::eq(x, s));
            out.push_str(&format!(
                "{}{} {} [{}]{}{}\n",
                if shadowed { "shadowed " } else { "" },
                s.kind,
                s.id,
                loc(s.header),
                if s.builtin { " builtin" } else { "" },
                if s.usable { "" } else { " UNUSABLE" }
            ));
            let content: Vec<&str> = s.content.value.iter().map(|c| c.name()).collect();
            out.push_str(&format!(
                "  content {}{} @{}\n",
                if s.content.default { "default " } else { "" },
                content.join(","),
                loc(s.content.span)
            ));
            match &s.nodes {
                Some(n) => out.push_str(&format!(
                    "  nodes {} @{}\n",
                    n.value.iter().cloned().collect::<Vec<_>>().join(","),
                    loc(Some(n.span))
                )),
                None => out.push_str("  nodes (all)\n"),
            }
            out.push_str(&format!(
                "  shared {}{} network={}\n",
                if s.shared.default { "default " } else { "" },
                s.shared.value,
                s.is_network()
            ));
            if let Some(d) = s.disabled {
                out.push_str(&format!("  disabled @{}\n", loc(Some(d))));
            }
            if let Some(p) = &s.path {
                out.push_str(&format!("  path {}\n", eff(p)));
            }
            if let Some(m) = &s.mountpoint {
                out.push_str(&format!("  mountpoint {}\n", eff(m)));
            }
            if let Some(b) = s.backup_dir() {
                out.push_str(&format!("  backup-dir {b}\n"));
            }
            for (c, d) in &s.content_dirs {
                out.push_str(&format!("  content-dir {c}={} @{}\n", d.value, loc(Some(d.span))));
            }
        }
        if let Some(n) = cfg.local_nodes_ignored {
            out.push_str(&format!("local nodes ignored @{}\n", loc(Some(n))));
        }
        for d in &diags {
            out.push_str(&format!("{} {} @{}: {}\n", d.code, d.severity.as_str(), loc(Some(d.span)), d.message));
        }
        out
    }

    #[test]
    fn snapshots() {
        insta::glob!("../../../../testdata/parse/storage", "*.cfg", |path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            insta::assert_snapshot!(dump(&text));
        });
    }
}
