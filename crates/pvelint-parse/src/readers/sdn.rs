//! `/etc/pve/sdn/*.cfg` (zones, vnets, subnets, controllers, IPAMs, DNS servers) and
//! `sdn/.running-config` (the applied copy, JSON).
//!
//! Behaviour mirrored from pve-network `src/PVE/Network/SDN/*.pm`:
//! * every `.cfg` is Perl section config (`type: id`); zones, controllers, IPAMs and DNS
//!   lowercase the type (`Zones/Plugin.pm` → `parse_section_header`), vnets and subnets
//!   use the default header; a type that no plugin registers skips the section;
//! * keys are kept as written (the first of a repeated key): the plugins' key lists
//!   change between releases, so unknown keys are not reported here;
//! * `.running-config` is what "Apply" wrote (`SDN.pm` → `commit_config`): guests plug
//!   into the vnets of this copy (`Vnets::get_vnet($id, 1)`); invalid JSON is read as an
//!   empty config without a message (`SDN.pm` → `running_config`).

use crate::diag::Diagnostic;
use crate::section::{self, HeaderVerdict, RawSection};
use crate::source::SourceFile;
use crate::span::{FileId, Span, Spanned};
use crate::syntax;
use std::collections::{BTreeMap, BTreeSet};

/// Which SDN file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SdnKind {
    Zones,
    Vnets,
    Subnets,
    Controllers,
    Ipams,
    Dns,
}

impl SdnKind {
    pub fn path(self) -> &'static str {
        match self {
            SdnKind::Zones => "sdn/zones.cfg",
            SdnKind::Vnets => "sdn/vnets.cfg",
            SdnKind::Subnets => "sdn/subnets.cfg",
            SdnKind::Controllers => "sdn/controllers.cfg",
            SdnKind::Ipams => "sdn/ipams.cfg",
            SdnKind::Dns => "sdn/dns.cfg",
        }
    }

    /// The section types the plugins register.
    fn types(self) -> &'static [&'static str] {
        match self {
            SdnKind::Zones => &["simple", "vlan", "qinq", "vxlan", "evpn", "faucet"],
            SdnKind::Vnets => &["vnet"],
            SdnKind::Subnets => &["subnet"],
            SdnKind::Controllers => &["evpn", "bgp", "isis", "faucet"],
            SdnKind::Ipams => &["pve", "netbox", "phpipam", "nautobot"],
            SdnKind::Dns => &["powerdns"],
        }
    }

    /// Whether the type is lowercased before the lookup.
    fn lowercases_type(self) -> bool {
        !matches!(self, SdnKind::Vnets | SdnKind::Subnets)
    }

    fn noun(self) -> &'static str {
        match self {
            SdnKind::Zones => "zone",
            SdnKind::Vnets => "vnet",
            SdnKind::Subnets => "subnet",
            SdnKind::Controllers => "controller",
            SdnKind::Ipams => "IPAM",
            SdnKind::Dns => "DNS server",
        }
    }
}

/// One section of an SDN file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdnSection {
    /// The type as Proxmox uses it (lowercased where the file does).
    pub kind: Spanned<String>,
    pub id: Spanned<String>,
    pub header: Span,
    /// Keys as written, the first of a repeated key (spans of the values, or of the key
    /// for a bare key, whose value is `1`).
    pub values: BTreeMap<String, Spanned<String>>,
}

impl SdnSection {
    pub fn get(&self, key: &str) -> Option<&Spanned<String>> {
        self.values.get(key)
    }

    /// A boolean key as the schema reads it (`1`, or a bare key).
    pub fn flag(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| v.value == "1")
    }
}

/// One SDN `.cfg` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdnFile {
    pub file: FileId,
    pub kind: SdnKind,
    /// The sections Proxmox keeps (the last of a repeated ID), in file order.
    pub sections: Vec<SdnSection>,
}

impl SdnFile {
    pub fn get(&self, id: &str) -> Option<&SdnSection> {
        self.sections.iter().find(|s| s.id.value == id)
    }
}

/// A vnet of the running config.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunningVnet {
    pub zone: Option<String>,
    pub vlanaware: bool,
}

/// `sdn/.running-config`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunningConfig {
    pub file: FileId,
    /// Vnet ID → what the running config says of it.
    pub vnets: BTreeMap<String, RunningVnet>,
    pub zones: BTreeSet<String>,
}

/// Every SDN file of a tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sdn {
    pub zones: Option<SdnFile>,
    pub vnets: Option<SdnFile>,
    pub subnets: Option<SdnFile>,
    pub controllers: Option<SdnFile>,
    pub ipams: Option<SdnFile>,
    pub dns: Option<SdnFile>,
    pub running: Option<RunningConfig>,
}

impl Sdn {
    pub fn file(&self, kind: SdnKind) -> Option<&SdnFile> {
        match kind {
            SdnKind::Zones => self.zones.as_ref(),
            SdnKind::Vnets => self.vnets.as_ref(),
            SdnKind::Subnets => self.subnets.as_ref(),
            SdnKind::Controllers => self.controllers.as_ref(),
            SdnKind::Ipams => self.ipams.as_ref(),
            SdnKind::Dns => self.dns.as_ref(),
        }
    }

    pub fn set(&mut self, f: SdnFile) {
        let slot = match f.kind {
            SdnKind::Zones => &mut self.zones,
            SdnKind::Vnets => &mut self.vnets,
            SdnKind::Subnets => &mut self.subnets,
            SdnKind::Controllers => &mut self.controllers,
            SdnKind::Ipams => &mut self.ipams,
            SdnKind::Dns => &mut self.dns,
        };
        *slot = Some(f);
    }

    /// Whether the tree has any SDN file.
    pub fn present(&self) -> bool {
        self.zones.is_some() || self.vnets.is_some() || self.running.is_some()
    }
}

fn values_of(raw: &RawSection) -> BTreeMap<String, Spanned<String>> {
    let mut values = BTreeMap::new();
    for p in &raw.props {
        let v = match &p.value {
            Some(v) => v.clone(),
            None => Spanned::new("1".to_string(), p.key.span),
        };
        values.entry(p.key.value.clone()).or_insert(v);
    }
    values
}

pub fn parse(file: &SourceFile, kind: SdnKind, diags: &mut Vec<Diagnostic>) -> SdnFile {
    let raws = section::parse_sections(file, diags, |ty, id| {
        let t = if kind.lowercases_type() { ty.value.to_ascii_lowercase() } else { ty.value.clone() };
        if kind.types().contains(&t.as_str()) {
            return HeaderVerdict::Accept;
        }
        HeaderVerdict::Skip(
            syntax::UNKNOWN_SECTION_TYPE
                .at(
                    ty.span,
                    format!(
                        "unknown {} type '{}' in {}; Proxmox skips the section",
                        kind.noun(),
                        crate::diag::quote_bounded(&ty.value),
                        kind.path()
                    ),
                )
                .with_help(format!("the types are: {}", kind.types().join(", ")))
                .with_object(format!("sdn-{}:{}", kind.noun(), id.value)),
        )
    });
    let mut last: BTreeMap<String, usize> = BTreeMap::new();
    for (i, r) in raws.iter().enumerate() {
        if let Some(prev) = last.insert(r.id.value.clone(), i) {
            diags.push(
                syntax::DUPLICATE_SECTION_ID
                    .at(
                        r.id.span,
                        format!(
                            "'{}' is defined twice in {}; this definition replaces the earlier one",
                            crate::diag::quote_bounded(&r.id.value),
                            kind.path()
                        ),
                    )
                    .with_label(raws[prev].header, "earlier definition, ignored by Proxmox")
                    .with_object(format!("sdn-{}:{}", kind.noun(), r.id.value))
                    .with_help("rename or remove one of the sections"),
            );
        }
    }
    let sections = raws
        .iter()
        .enumerate()
        .filter(|(i, r)| last.get(&r.id.value) == Some(i))
        .map(|(_, r)| {
            let t = if kind.lowercases_type() { r.kind.value.to_ascii_lowercase() } else { r.kind.value.clone() };
            SdnSection { kind: Spanned::new(t, r.kind.span), id: r.id.clone(), header: r.header, values: values_of(r) }
        })
        .collect();
    SdnFile { file: file.id, kind, sections }
}

/// `sdn/.running-config`. Never fails: JSON Proxmox cannot read gives an empty config and
/// a diagnostic.
pub fn parse_running(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> RunningConfig {
    let mut out = RunningConfig { file: file.id, ..RunningConfig::default() };
    let value: serde_json::Value = match serde_json::from_str(&file.text) {
        Ok(v) => v,
        Err(e) => {
            diags.push(
                syntax::UNREADABLE_FILE
                    .at(file.span(), format!("sdn/.running-config is not valid JSON (line {}, column {}); Proxmox reads it as an empty configuration, so no vnet counts as applied and guests on vnets do not start", e.line(), e.column()))
                    .with_help("apply the SDN configuration again (Datacenter → SDN → Apply, or `pvesh set /cluster/sdn`)")
                    .with_object("file"),
            );
            return out;
        }
    };
    let ids = |key: &str| value.get(key).and_then(|v| v.get("ids")).and_then(|v| v.as_object());
    if let Some(zones) = ids("zones") {
        out.zones = zones.keys().cloned().collect();
    }
    if let Some(vnets) = ids("vnets") {
        for (id, v) in vnets {
            let zone = v.get("zone").and_then(|z| z.as_str()).map(str::to_string);
            let vlanaware = match v.get("vlanaware") {
                Some(serde_json::Value::Number(n)) => n.as_i64() == Some(1),
                Some(serde_json::Value::String(s)) => s == "1",
                Some(serde_json::Value::Bool(b)) => *b,
                _ => false,
            };
            out.vnets.insert(id.clone(), RunningVnet { zone, vlanaware });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: SdnKind, text: &str) -> (SdnFile, Vec<Diagnostic>) {
        let f = SourceFile::new(FileId(1), kind.path(), text.to_string());
        let mut d = Vec::new();
        (parse(&f, kind, &mut d), d)
    }

    #[test]
    fn reads_zones_and_vnets() {
        let (z, d) = run(SdnKind::Zones, "VLAN: z1\n\tbridge vmbr0\n\tnodes pve1,pve2\n\nbogus: z2\n\tx 1\n");
        assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), vec!["P010"]);
        assert_eq!(z.sections.len(), 1);
        assert_eq!(z.sections[0].kind.value, "vlan");
        assert_eq!(z.get("z1").unwrap().get("nodes").unwrap().value, "pve1,pve2");
        let (v, d) = run(SdnKind::Vnets, "vnet: v1\n\tzone z1\n\tvlanaware\n\nVnet: v2\n\tzone z1\n");
        assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), vec!["P010"]);
        assert!(v.get("v1").unwrap().flag("vlanaware"));
    }

    #[test]
    fn running_config() {
        let text = r#"{"version":3,"zones":{"ids":{"z1":{"type":"simple"}}},"vnets":{"ids":{"v1":{"zone":"z1","type":"vnet","vlanaware":1},"v2":{"zone":"z1"}}}}"#;
        let f = SourceFile::new(FileId(1), "sdn/.running-config", text.to_string());
        let mut d = Vec::new();
        let r = parse_running(&f, &mut d);
        assert!(d.is_empty());
        assert!(r.vnets["v1"].vlanaware);
        assert!(!r.vnets["v2"].vlanaware);
        assert!(r.zones.contains("z1"));
        let f = SourceFile::new(FileId(1), "sdn/.running-config", "{\"vnets\":".to_string());
        let r = parse_running(&f, &mut d);
        assert!(r.vnets.is_empty());
        assert_eq!(d[0].code, "P015");
    }

    fn dump(kind: SdnKind, text: &str) -> String {
        let f = SourceFile::new(FileId(0), kind.path(), text.to_string());
        let mut d = Vec::new();
        let c = parse(&f, kind, &mut d);
        let loc = |s: crate::Span| crate::testutil::range(&f, s);
        let mut out = String::new();
        for s in &c.sections {
            out += &format!("{} {} @{}\n", s.kind.value, s.id.value, loc(s.id.span));
            for (k, v) in &s.values {
                out += &format!("  {k} = {:?} @{}\n", v.value, loc(v.span));
            }
        }
        out += &crate::testutil::diag_lines(&f, &d);
        out
    }

    #[test]
    fn snapshots() {
        insta::glob!("../../../../testdata/parse/sdn", "*.cfg", |path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let kind = match name {
                "vnets.cfg" => SdnKind::Vnets,
                "subnets.cfg" => SdnKind::Subnets,
                "controllers.cfg" => SdnKind::Controllers,
                "ipams.cfg" => SdnKind::Ipams,
                "dns.cfg" => SdnKind::Dns,
                _ => SdnKind::Zones,
            };
            insta::assert_snapshot!(dump(kind, &text));
        });
    }
}
