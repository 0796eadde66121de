//! `/etc/pve/mapping/{pci,usb,directory}.cfg`: cluster-wide resource mappings (section
//! config with a bare-ID header).
//!
//! Behaviour mirrored from pve-guest-common `src/PVE/Mapping/PCI.pm`, `USB.pm`, `Dir.pm`:
//! * `parse_section_header` matches `^(\S+)\s*$`: the header is the ID alone, the type is
//!   implied by the file; an ID that is not a `pve-configid` skips the section; a typed
//!   header (`pci: gpu`) is not a header at all ("ignore config line");
//! * keys: `description` (all), `mdev` and `live-migration-capable` (PCI), `map` (all,
//!   required, repeated once per node entry);
//! * each `map` item is a property string (`$map_fmt`) checked on its own: an invalid
//!   item is dropped ("unable to parse value of 'map'") and the others stay; a section
//!   left without a valid item fails ("missing value for required option 'map'") and its
//!   ID maps to nothing, which every consumer treats as undefined.

use crate::diag::Diagnostic;
use crate::propstring::{self, SubKey, SubType};
use crate::section::{self, HeaderVerdict, KeyDef, Schema, Section, ValueKind};
use crate::source::SourceFile;
use crate::span::{FileId, Span, Spanned};
use crate::syntax;

/// Which mapping file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MappingKind {
    Pci,
    Usb,
    Dir,
}

impl MappingKind {
    /// The path of the file under `/etc/pve`.
    pub fn path(self) -> &'static str {
        match self {
            MappingKind::Pci => "mapping/pci.cfg",
            MappingKind::Usb => "mapping/usb.cfg",
            MappingKind::Dir => "mapping/directory.cfg",
        }
    }

    /// The section type Proxmox gives every section of the file.
    pub fn type_name(self) -> &'static str {
        match self {
            MappingKind::Pci => "pci",
            MappingKind::Usb => "usb",
            MappingKind::Dir => "dir",
        }
    }

    /// `PCI mapping` / `USB mapping` / `directory mapping`.
    pub fn noun(self) -> &'static str {
        match self {
            MappingKind::Pci => "PCI mapping",
            MappingKind::Usb => "USB mapping",
            MappingKind::Dir => "directory mapping",
        }
    }
}

/// One valid `map` item: the device or directory of one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapEntry {
    /// The `node=` value.
    pub node: Spanned<String>,
    /// `path=` (PCI address list, USB port, directory), when given.
    pub path: Option<Spanned<String>>,
    /// `id=` (vendor:device), when given.
    pub id: Option<Spanned<String>>,
    /// The whole item.
    pub span: Span,
}

/// One mapping (a section).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub id: Spanned<String>,
    /// The valid `map` items, in file order.
    pub entries: Vec<MapEntry>,
    /// `false` when Proxmox drops the section (no valid `map` item): the ID maps to nothing.
    pub usable: bool,
    pub section: Section,
}

impl Mapping {
    /// The entries for a node (`get_node_mapping`: `node` equal to the name).
    pub fn entries_for<'a>(&'a self, node: &'a str) -> impl Iterator<Item = &'a MapEntry> + 'a {
        self.entries.iter().filter(move |e| e.node.value == node)
    }
}

/// One mapping file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingConfig {
    pub file: FileId,
    pub kind: MappingKind,
    /// The sections Proxmox keeps (the last of a repeated ID), in file order.
    pub mappings: Vec<Mapping>,
}

impl MappingConfig {
    /// The mapping with this ID (usable or not).
    pub fn get(&self, id: &str) -> Option<&Mapping> {
        self.mappings.iter().find(|m| m.id.value == id)
    }
}

/// The three mapping files of a tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mappings {
    pub pci: Option<MappingConfig>,
    pub usb: Option<MappingConfig>,
    pub dir: Option<MappingConfig>,
}

impl Mappings {
    pub fn of(&self, kind: MappingKind) -> Option<&MappingConfig> {
        match kind {
            MappingKind::Pci => self.pci.as_ref(),
            MappingKind::Usb => self.usb.as_ref(),
            MappingKind::Dir => self.dir.as_ref(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &MappingConfig> {
        [&self.pci, &self.usb, &self.dir].into_iter().flatten()
    }
}

fn check_description(v: &str) -> Result<(), String> {
    if v.len() > 4096 {
        Err("the description is longer than 4096 characters".into())
    } else {
        Ok(())
    }
}

fn check_node(v: &str) -> Result<(), String> {
    if crate::text::valid_node_name(v) {
        Ok(())
    } else {
        Err(format!("`{}` is not a node name", crate::diag::quote_bounded(v)))
    }
}

fn check_hex_id(v: &str) -> Result<(), String> {
    let b = v.as_bytes();
    let ok = b.len() == 9 && b[4] == b':' && b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(format!("`{}` is not a vendor:device ID (`10de:1b80`)", crate::diag::quote_bounded(v)))
    }
}

/// `[a-f0-9]{4,}:[a-f0-9]{2}:[a-f0-9]{2}(\.[a-f0-9])?` (lower case only: the pattern is
/// matched case-sensitively).
fn is_pci_path(p: &str) -> bool {
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
    let (dev, func) = match p.split_once('.') {
        Some((d, f)) => (d, Some(f)),
        None => (p, None),
    };
    let parts: Vec<&str> = dev.split(':').collect();
    matches!(parts.as_slice(), [d, b, s] if d.len() >= 4 && hex(d) && b.len() == 2 && hex(b) && s.len() == 2 && hex(s))
        && func.is_none_or(|f| f.len() == 1 && hex(f))
}

fn check_pci_paths(v: &str) -> Result<(), String> {
    if v.split(';').all(is_pci_path) {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a list of PCI addresses (`0000:01:00.0`, lower-case hex, `;` between alternatives)",
            crate::diag::quote_bounded(v)
        ))
    }
}

/// `^(\d+)\-(\d+(\.\d+)*)$`.
fn check_usb_path(v: &str) -> Result<(), String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    let ok = v.split_once('-').is_some_and(|(bus, port)| digits(bus) && port.split('.').all(digits));
    if ok {
        Ok(())
    } else {
        Err(format!("`{}` is not a USB port path (`1-2.3`)", crate::diag::quote_bounded(v)))
    }
}

/// `^/[^;,=\(\)]+` (no end anchor: only the start is checked).
fn check_dir_path(v: &str) -> Result<(), String> {
    let ok = v.starts_with('/') && v[1..].chars().next().is_some_and(|c| !";,=()".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!("`{}` is not an absolute directory path", crate::diag::quote_bounded(v)))
    }
}

const PCI_MAP: &[SubKey] = &[
    SubKey::req("node", SubType::Check(check_node)),
    SubKey::req("id", SubType::Check(check_hex_id)),
    SubKey::opt("subsystem-id", SubType::Check(check_hex_id)),
    SubKey::req("path", SubType::Check(check_pci_paths)),
    SubKey::opt("iommugroup", SubType::Int { min: None, max: None }),
    SubKey::opt("description", SubType::Check(check_description)),
];
const USB_MAP: &[SubKey] = &[
    SubKey::req("node", SubType::Check(check_node)),
    SubKey::req("id", SubType::Check(check_hex_id)),
    SubKey::opt("path", SubType::Check(check_usb_path)),
    SubKey::opt("description", SubType::Check(check_description)),
];
const DIR_MAP: &[SubKey] =
    &[SubKey::req("node", SubType::Check(check_node)), SubKey::req("path", SubType::Check(check_dir_path))];

const PCI_KEYS: &[KeyDef] = &[
    KeyDef::opt("description", ValueKind::Custom(check_description)),
    KeyDef::opt("mdev", ValueKind::Bool),
    KeyDef::opt("live-migration-capable", ValueKind::Bool),
    KeyDef::array("map", ValueKind::Text),
];
const OTHER_KEYS: &[KeyDef] =
    &[KeyDef::opt("description", ValueKind::Custom(check_description)), KeyDef::array("map", ValueKind::Text)];
const ALL_KEYS: &[&str] = &["description", "mdev", "live-migration-capable", "map"];

pub fn parse(file: &SourceFile, kind: MappingKind, diags: &mut Vec<Diagnostic>) -> MappingConfig {
    let path = kind.path();
    let before = diags.len();
    let raws = section::parse_sections_with(file, diags, section::match_bare_header, |_, id| {
        if crate::ha::is_config_id(&id.value) {
            return HeaderVerdict::Accept;
        }
        HeaderVerdict::Skip(
            syntax::INVALID_SECTION_ID
                .at(
                    id.span,
                    format!(
                        "'{}' is not a valid mapping ID (a letter, then letters, digits, `-` or `_`); Proxmox skips the section",
                        crate::diag::quote_bounded(&id.value)
                    ),
                )
                .with_help("rename the mapping, and every guest that names it")
                .with_object(format!("mapping:{}:{}", kind.type_name(), id.value)),
        )
    });
    // A typed header (`pci: gpu`) does not match the bare-ID header: say so, rather than
    // "neither a header nor a key".
    let mut after_typed = false;
    for d in diags[before..].iter_mut() {
        if d.code != syntax::UNPARSABLE_LINE.code {
            after_typed = false;
            continue;
        }
        let line = d.span.of(&file.text);
        if after_typed && line.starts_with(crate::text::is_perl_space) {
            d.message =
                "Proxmox ignores this line: the line above is not a section header, so this key belongs to no section"
                    .into();
            d.help = None;
            continue;
        }
        after_typed = false;
        if let Some((_, id)) = section::match_header(line) {
            after_typed = true;
            let id = &line[id.0..id.1];
            d.message = format!(
                "Proxmox ignores this line: in {path} a section starts with the mapping ID alone (`{}`), not `type: ID`; the keys below it are ignored too",
                crate::diag::quote_bounded(id)
            );
            d.help = Some(format!("write the header as `{}` on a line of its own", crate::diag::quote_bounded(id)));
        }
    }
    let (keys, map_fmt) = match kind {
        MappingKind::Pci => (PCI_KEYS, PCI_MAP),
        MappingKind::Usb => (OTHER_KEYS, USB_MAP),
        MappingKind::Dir => (OTHER_KEYS, DIR_MAP),
    };
    let mut sections = Vec::new();
    for mut raw in raws {
        raw.kind.value = kind.type_name().to_string();
        let object = format!("mapping:{}:{}", kind.type_name(), raw.id.value);
        let schema = Schema { file: path, keys, all_keys: ALL_KEYS, object: object.clone() };
        sections.push(section::apply_schema(raw, &schema, diags));
    }
    let sections = section::dedup_ids(sections, path, diags, |id| format!("mapping:{}:{id}", kind.type_name()));
    let mut mappings = Vec::new();
    for mut s in sections {
        let object = format!("mapping:{}:{}", kind.type_name(), s.id());
        let mut entries = Vec::new();
        for item in s.arrays.get("map").map(Vec::as_slice).unwrap_or_default() {
            let text = &file.text;
            let value = Spanned::new(item.span.of(text), item.span);
            let ps = propstring::parse(value);
            let problems = propstring::validate(text, &ps, &[map_fmt], item.span);
            if let Some(p) = problems.first() {
                diags.push(
                    syntax::INVALID_VALUE
                        .at(p.span, format!("invalid `map` entry of '{}': {}; Proxmox drops this entry (\"unable to parse value of 'map'\")", crate::diag::quote_bounded(s.id()), p.message))
                        .with_object(object.clone())
                        .with_key("map"),
                );
                continue;
            }
            let get = |k: &str| ps.get(text, k).map(|v| Spanned::new(v.value.to_string(), v.span));
            let Some(node) = get("node") else { continue };
            entries.push(MapEntry { node, path: get("path"), id: get("id"), span: item.span });
        }
        if entries.is_empty() && s.usable {
            s.usable = false;
            diags.push(
                syntax::MISSING_REQUIRED_KEY
                    .at(s.raw.header, format!("{} '{}' has no valid `map` entry; Proxmox drops it (\"missing value for required option 'map'\"), so every guest that names it fails to start", kind.noun(), crate::diag::quote_bounded(s.id())))
                    .with_object(object.clone())
                    .with_key("map")
                    .with_help("add a `map node=…` line for each node that has the resource"),
            );
        }
        mappings.push(Mapping {
            id: Spanned::new(s.id().to_string(), s.raw.id.span),
            entries,
            usable: s.usable,
            section: s,
        });
    }
    MappingConfig { file: file.id, kind, mappings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: MappingKind, text: &str) -> (MappingConfig, Vec<Diagnostic>) {
        let f = SourceFile::new(FileId(2), kind.path(), text.to_string());
        let mut d = Vec::new();
        (parse(&f, kind, &mut d), d)
    }

    fn codes(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().map(|d| d.code).collect()
    }

    #[test]
    fn reads_pci_mappings_with_spans() {
        let text = "gpu\n\tdescription GTX\n\tmap node=pve1,path=0000:01:00.0,id=10de:1b80,iommugroup=12\n\tmap node=pve2,path=0000:02:00;0000:03:00,id=10de:1b80\n\tmdev 0\n";
        let (c, d) = run(MappingKind::Pci, text);
        assert!(d.is_empty(), "{d:?}");
        let m = c.get("gpu").unwrap();
        assert!(m.usable);
        assert_eq!(m.entries.len(), 2);
        assert_eq!(&text[m.entries[1].node.span.range()], "pve2");
        assert_eq!(m.entries_for("pve1").count(), 1);
        assert_eq!(&text[m.id.span.range()], "gpu");
    }

    #[test]
    fn invalid_items_are_dropped_alone() {
        let (c, d) = run(MappingKind::Dir, "share\n\tmap node=pve1,path=/srv/a\n\tmap node=pve2\n\tmap node=bad_node,path=/x\n\tmap path=relative,node=pve3\n");
        assert_eq!(codes(&d), vec!["P008", "P008", "P008"]);
        let m = c.get("share").unwrap();
        assert!(m.usable);
        assert_eq!(m.entries.len(), 1);
    }

    #[test]
    fn no_valid_item_makes_the_mapping_unusable() {
        let (c, d) = run(MappingKind::Usb, "stick\n\tmap node=pve1,path=1-2\n\nempty\n\tdescription x\n");
        assert_eq!(codes(&d), vec!["P008", "P012", "P012"]);
        assert!(!c.get("stick").unwrap().usable);
        assert!(!c.get("empty").unwrap().usable);
    }

    #[test]
    fn typed_headers_and_bad_ids() {
        let (c, d) = run(MappingKind::Pci, "pci: gpu\n\tmap node=a,path=0000:01:00.0,id=10de:1b80\n\n9gpu\n\tmap node=a,path=0000:01:00.0,id=10de:1b80\n\nok\n\tmap node=a,path=0000:01:00.0,id=10de:1b80\nnext\n\tmap node=b,path=0000:01:00.0,id=10de:1b80\n");
        assert_eq!(codes(&d), vec!["P004", "P004", "P011", "P002"]);
        assert!(d[0].message.contains("mapping ID alone"), "{}", d[0].message);
        assert_eq!(c.mappings.len(), 1);
        assert_eq!(c.mappings[0].entries.len(), 1);
    }

    #[test]
    fn value_checks() {
        assert!(is_pci_path("0000:01:00.0"));
        assert!(is_pci_path("0000:01:00"));
        assert!(!is_pci_path("01:00.0"));
        assert!(!is_pci_path("0000:0A:00.0"));
        assert!(check_usb_path("1-2.3.4").is_ok());
        assert!(check_usb_path("1-").is_err());
        assert!(check_dir_path("/srv/share").is_ok());
        assert!(check_dir_path("/(x").is_err());
        assert!(check_hex_id("10DE:1b80").is_ok());
        assert!(check_hex_id("10de1b80").is_err());
    }

    fn dump(kind: MappingKind, text: &str) -> String {
        let f = SourceFile::new(FileId(0), kind.path(), text.to_string());
        let mut d = Vec::new();
        let c = parse(&f, kind, &mut d);
        let loc = |s: crate::Span| crate::testutil::range(&f, s);
        let mut out = String::new();
        for m in &c.mappings {
            out += &format!("mapping {} usable={} @{}\n", m.id.value, m.usable, loc(m.id.span));
            for (k, v) in &m.section.values {
                out += &format!("  {k} = {:?} @{}\n", v.value, loc(v.span));
            }
            for e in &m.entries {
                out += &format!(
                    "  map node={} path={:?} id={:?} @{}\n",
                    e.node.value,
                    e.path.as_ref().map(|p| &p.value),
                    e.id.as_ref().map(|p| &p.value),
                    loc(e.span)
                );
            }
        }
        out += &crate::testutil::diag_lines(&f, &d);
        out
    }

    #[test]
    fn snapshots() {
        insta::glob!("../../../../testdata/parse/mapping", "*.cfg", |path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let kind = if name.starts_with("usb") {
                MappingKind::Usb
            } else if name.starts_with("dir") {
                MappingKind::Dir
            } else {
                MappingKind::Pci
            };
            insta::assert_snapshot!(dump(kind, &text));
        });
    }
}
