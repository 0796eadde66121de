//! `/etc/pve/ha/resources.cfg`, `ha/groups.cfg` (before PVE 9) and `ha/rules.cfg`
//! (PVE 9): section-config files of pve-ha-manager.
//!
//! * resources: `vm: <vmid>` / `ct: <vmid>`; the type is lowercased, the section ID is
//!   `<type>:<vmid>`, an unknown type or a name that is not `[1-9][0-9]+` skips the
//!   section [PVE/HA/Resources.pm → parse_section_header, Resources/PVEVM.pm → verify_name].
//! * groups: `group: <id>` with an ID matching `pve-configid`; `nodes` is required and is
//!   a list of `node[:priority]` [PVE/HA/Groups.pm].
//! * rules: `node-affinity: <id>` / `resource-affinity: <id>`; `resources` is required,
//!   `nodes` on node-affinity, `affinity` on resource-affinity [PVE/HA/Rules.pm, Rules/*.pm].

use crate::diag::Diagnostic;
use crate::section::{self, HeaderVerdict, KeyDef, Schema, Section, ValueKind};
use crate::source::SourceFile;
use crate::span::{FileId, Span, Spanned};
use crate::syntax;

#[derive(Clone, Debug, Default)]
pub struct HaConfig {
    pub resources: Option<HaResources>,
    pub groups: Option<HaGroups>,
    pub rules: Option<HaRules>,
}

/// An HA resource (`vm: 100`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaResource {
    /// `vm:100`; the span covers the header from the type to the end of the name.
    pub sid: Spanned<String>,
    /// `vm` or `ct` (lowercased).
    pub kind: Spanned<String>,
    pub vmid: Option<u32>,
    pub group: Option<Spanned<String>>,
    pub section: Section,
}

impl HaResource {
    /// The effective requested state (`enabled` is an alias of `started`).
    pub fn state(&self) -> &str {
        match self.section.get("state").map(|s| s.as_str()) {
            None | Some("enabled") => "started",
            Some(s) => s,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HaResources {
    pub file: FileId,
    pub resources: Vec<HaResource>,
}

/// An HA group (`group: prefer-a`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaGroup {
    pub id: Spanned<String>,
    /// Node names without `:priority`.
    pub nodes: Vec<Spanned<String>>,
    /// Priorities, parallel to `nodes` (`None` when not written).
    pub priorities: Vec<Option<u32>>,
    pub section: Section,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HaGroups {
    pub file: FileId,
    pub groups: Vec<HaGroup>,
}

/// An HA rule (`node-affinity: r1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaRule {
    pub id: Spanned<String>,
    /// `node-affinity` or `resource-affinity` (lowercased).
    pub kind: Spanned<String>,
    /// Node names without `:priority` (node-affinity only).
    pub nodes: Vec<Spanned<String>>,
    /// Resource IDs (`vm:100`).
    pub resources: Vec<Spanned<String>>,
    pub section: Section,
}

impl HaRule {
    pub fn disabled(&self) -> bool {
        // Proxmox tests `exists($rule->{disable})`, so even `disable 0` disables the rule.
        self.section.get("disable").is_some()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HaRules {
    pub file: FileId,
    pub rules: Vec<HaRule>,
}

fn check_comment(v: &str) -> Result<(), String> {
    if v.len() > 4096 {
        Err("the comment is longer than 4096 characters".into())
    } else {
        Ok(())
    }
}

/// `pve-configid`: `^[a-z][a-z0-9_-]+$`, case-insensitive.
pub(crate) fn is_config_id(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

fn check_config_id(v: &str) -> Result<(), String> {
    if is_config_id(v) {
        Ok(())
    } else {
        Err(format!("'{v}' is not a valid ID (a letter, then letters, digits, '-' or '_'; at least 2 characters)"))
    }
}

pub(crate) use crate::text::split_list;

/// `node` or `node:priority` (pve-ha-group-node).
fn parse_group_node(item: &str) -> Option<(&str, Option<u32>)> {
    let (name, prio) = match item.split_once(':') {
        Some((n, p)) => {
            if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            (n, Some(p.parse().unwrap_or(u32::MAX)))
        }
        None => (item, None),
    };
    crate::replication::is_node_name(name).then_some((name, prio))
}

fn check_group_nodes(v: &str) -> Result<(), String> {
    for (a, b) in split_list(v) {
        let item = &v[a..b];
        if parse_group_node(item).is_none() {
            return Err(format!("'{item}' is not `node` or `node:priority`, and one bad entry rejects the whole list"));
        }
    }
    Ok(())
}

/// `pve-ha-resource-id`: `<type>:<name>`.
fn is_resource_id(v: &str) -> bool {
    match v.split_once(':') {
        Some((t, n)) => {
            !t.is_empty()
                && t.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
                && !n.is_empty()
                && !n.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn check_resource_list(v: &str) -> Result<(), String> {
    for (a, b) in split_list(v) {
        let item = &v[a..b];
        if !is_resource_id(item) {
            return Err(format!(
                "'{item}' is not an HA resource ID like `vm:100`, and one bad entry rejects the whole list"
            ));
        }
    }
    Ok(())
}

fn list_items(value: &Spanned<String>) -> Vec<Spanned<String>> {
    split_list(&value.value)
        .into_iter()
        .map(|(a, b)| Spanned::new(value.value[a..b].to_string(), value.span.sub(a, b)))
        .collect()
}

// ---------------------------------------------------------------- resources

const RESOURCE_KEYS: &[KeyDef] = &[
    KeyDef::opt("state", ValueKind::Enum(&["started", "stopped", "enabled", "disabled", "ignored"])),
    KeyDef::opt("group", ValueKind::Custom(check_config_id)),
    KeyDef::opt("max_restart", ValueKind::Int(0, i64::MAX)),
    KeyDef::opt("max_relocate", ValueKind::Int(0, i64::MAX)),
    KeyDef::opt("comment", ValueKind::Custom(check_comment)),
    // PVE 9
    KeyDef::opt("failback", ValueKind::Bool),
];
const RESOURCE_ALL: &[&str] = &["state", "group", "max_restart", "max_relocate", "comment", "failback"];

pub fn parse_resources(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> HaResources {
    let raws = section::parse_sections(file, diags, |kind, id| {
        let t = kind.value.to_ascii_lowercase();
        if t != "vm" && t != "ct" {
            return HeaderVerdict::Skip(
                syntax::UNKNOWN_SECTION_TYPE
                    .at(
                        kind.span,
                        format!(
                            "unknown HA resource type '{}'; Proxmox skips the section (types are `vm` and `ct`)",
                            kind.value
                        ),
                    )
                    .with_object(format!("ha:{t}:{}", id.value)),
            );
        }
        let b = id.value.as_bytes();
        if b.len() < 2 || b[0] == b'0' || !b.iter().all(u8::is_ascii_digit) {
            return HeaderVerdict::Skip(
                syntax::INVALID_SECTION_ID
                    .at(id.span, format!("'{}' is not a VMID; Proxmox skips the HA resource section", id.value))
                    .with_help("write the resource as `vm: <vmid>` or `ct: <vmid>`")
                    .with_object(format!("ha:{t}:{}", id.value)),
            );
        }
        HeaderVerdict::Accept
    });
    let mut sections = Vec::new();
    for mut raw in raws {
        raw.kind.value.make_ascii_lowercase();
        let sid = format!("{}:{}", raw.kind.value, raw.id.value);
        let schema = Schema {
            file: "ha/resources.cfg",
            keys: RESOURCE_KEYS,
            all_keys: RESOURCE_ALL,
            object: format!("ha:{sid}"),
        };
        let mut s = section::apply_schema(raw, &schema, diags);
        // The section ID Proxmox uses is `<type>:<name>`.
        s.raw.id.value = sid;
        sections.push(s);
    }
    let sections = section::dedup_ids(sections, "ha/resources.cfg", diags, |id| format!("ha:{id}"));
    let resources = sections
        .into_iter()
        .map(|s| {
            let sid_span = Span { end: s.raw.id.span.end, ..s.raw.kind.span };
            let vmid = s.id().split_once(':').and_then(|(_, n)| n.parse::<u32>().ok());
            HaResource {
                sid: Spanned::new(s.id().to_string(), sid_span),
                kind: s.raw.kind.clone(),
                vmid,
                group: s.get("group").cloned(),
                section: s,
            }
        })
        .collect();
    HaResources { file: file.id, resources }
}

// ---------------------------------------------------------------- groups

const GROUP_KEYS: &[KeyDef] = &[
    KeyDef::req("nodes", ValueKind::Custom(check_group_nodes)),
    KeyDef::opt("restricted", ValueKind::Bool),
    KeyDef::opt("nofailback", ValueKind::Bool),
    KeyDef::opt("comment", ValueKind::Custom(check_comment)),
];
const GROUP_ALL: &[&str] = &["nodes", "restricted", "nofailback", "comment"];

fn config_id_verdict(
    kind: &Spanned<String>,
    id: &Spanned<String>,
    types: &[&str],
    file: &str,
    object: &str,
) -> HeaderVerdict {
    if !is_config_id(&id.value) {
        return HeaderVerdict::Skip(
            syntax::INVALID_SECTION_ID
                .at(id.span, format!("'{}' is not a valid ID in {file} (a letter, then letters, digits, '-' or '_'); Proxmox skips the section", id.value))
                .with_object(format!("{object}:{}", id.value)),
        );
    }
    let t = kind.value.to_ascii_lowercase();
    if !types.contains(&t.as_str()) {
        return HeaderVerdict::Skip(
            syntax::UNKNOWN_SECTION_TYPE
                .at(
                    kind.span,
                    format!(
                        "unknown section type '{}' in {file}; Proxmox skips the section (types: {})",
                        kind.value,
                        types.join(", ")
                    ),
                )
                .with_object(format!("{object}:{}", id.value)),
        );
    }
    HeaderVerdict::Accept
}

pub fn parse_groups(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> HaGroups {
    let raws = section::parse_sections(file, diags, |kind, id| {
        config_id_verdict(kind, id, &["group"], "ha/groups.cfg", "ha-group")
    });
    let mut sections = Vec::new();
    for mut raw in raws {
        raw.kind.value.make_ascii_lowercase();
        let schema = Schema {
            file: "ha/groups.cfg",
            keys: GROUP_KEYS,
            all_keys: GROUP_ALL,
            object: format!("ha-group:{}", raw.id.value),
        };
        sections.push(section::apply_schema(raw, &schema, diags));
    }
    let sections = section::dedup_ids(sections, "ha/groups.cfg", diags, |id| format!("ha-group:{id}"));
    let groups = sections
        .into_iter()
        .map(|s| {
            let mut nodes = Vec::new();
            let mut priorities = Vec::new();
            if let Some(v) = s.get("nodes") {
                for item in list_items(v) {
                    if let Some((name, prio)) = parse_group_node(&item.value) {
                        nodes.push(Spanned::new(name.to_string(), item.span.sub(0, name.len())));
                        priorities.push(prio);
                    }
                }
            }
            HaGroup { id: s.raw.id.clone(), nodes, priorities, section: s }
        })
        .collect();
    HaGroups { file: file.id, groups }
}

// ---------------------------------------------------------------- rules

const NODE_AFFINITY_KEYS: &[KeyDef] = &[
    KeyDef::req("resources", ValueKind::Custom(check_resource_list)),
    KeyDef::req("nodes", ValueKind::Custom(check_group_nodes)),
    KeyDef::opt("strict", ValueKind::Bool),
    KeyDef::opt("affinity", ValueKind::Enum(&["positive", "negative"])),
    KeyDef::opt("disable", ValueKind::Bool),
    KeyDef::opt("comment", ValueKind::Custom(check_comment)),
];
const RESOURCE_AFFINITY_KEYS: &[KeyDef] = &[
    KeyDef::req("resources", ValueKind::Custom(check_resource_list)),
    KeyDef::req("affinity", ValueKind::Enum(&["positive", "negative"])),
    KeyDef::opt("disable", ValueKind::Bool),
    KeyDef::opt("comment", ValueKind::Custom(check_comment)),
];
const RULE_ALL: &[&str] = &["resources", "nodes", "strict", "affinity", "disable", "comment"];

pub fn parse_rules(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> HaRules {
    let raws = section::parse_sections(file, diags, |kind, id| {
        config_id_verdict(kind, id, &["node-affinity", "resource-affinity"], "ha/rules.cfg", "ha-rule")
    });
    let mut sections = Vec::new();
    for mut raw in raws {
        raw.kind.value.make_ascii_lowercase();
        let keys = if raw.kind.value == "node-affinity" { NODE_AFFINITY_KEYS } else { RESOURCE_AFFINITY_KEYS };
        let schema =
            Schema { file: "ha/rules.cfg", keys, all_keys: RULE_ALL, object: format!("ha-rule:{}", raw.id.value) };
        sections.push(section::apply_schema(raw, &schema, diags));
    }
    let sections = section::dedup_ids(sections, "ha/rules.cfg", diags, |id| format!("ha-rule:{id}"));
    let rules = sections
        .into_iter()
        .map(|s| {
            let nodes = s
                .get("nodes")
                .map(|v| {
                    list_items(v)
                        .into_iter()
                        .filter_map(|item| {
                            let (name, _) = parse_group_node(&item.value)?;
                            Some(Spanned::new(name.to_string(), item.span.sub(0, name.len())))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let resources = s.get("resources").map(list_items).unwrap_or_default();
            HaRule { id: s.raw.id.clone(), kind: s.raw.kind.clone(), nodes, resources, section: s }
        })
        .collect();
    HaRules { file: file.id, rules }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile::new(FileId(1), path, text.to_string())
    }

    fn codes(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().map(|d| d.code).collect()
    }

    #[test]
    fn resources_with_spans() {
        let text = "vm: 103\n\tmax_restart 2\n\tstate started\n\tgroup prefer-a\n\nCT: 200\n\tstate enabled\n";
        let f = file("ha/resources.cfg", text);
        let mut d = Vec::new();
        let r = parse_resources(&f, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(r.resources.len(), 2);
        let a = &r.resources[0];
        assert_eq!(a.sid.value, "vm:103");
        assert_eq!(&text[a.sid.span.range()], "vm: 103");
        assert_eq!(a.vmid, Some(103));
        assert_eq!(a.kind.value, "vm");
        let g = a.group.as_ref().unwrap();
        assert_eq!(&text[g.span.range()], "prefer-a");
        let b = &r.resources[1];
        assert_eq!(b.sid.value, "ct:200");
        assert_eq!(b.kind.value, "ct");
        assert_eq!(b.state(), "started");
    }

    #[test]
    fn resources_bad_headers_and_values() {
        let text = "vm: 0100\n\tstate started\n\nfoo: 100\n\nvm: 101\n\tstate running\n\tmax_restart -1\n\nvm: 101\n\tstate stopped\n";
        let f = file("ha/resources.cfg", text);
        let mut d = Vec::new();
        let r = parse_resources(&f, &mut d);
        assert_eq!(codes(&d), vec!["P011", "P010", "P008", "P008", "P013"]);
        assert_eq!(r.resources.len(), 1);
        assert_eq!(r.resources[0].state(), "stopped");
    }

    #[test]
    fn groups_nodes_without_priority() {
        let text = "group: prefer-a\n\tnodes pve1:2, pve2 ;pve3:1\n\trestricted 1\n\ngroup: bad\n\tnodes pve1,pve_2\n\ngroup: 1x\n\tnodes a\n";
        let f = file("ha/groups.cfg", text);
        let mut d = Vec::new();
        let g = parse_groups(&f, &mut d);
        assert_eq!(codes(&d), vec!["P011", "P008", "P012"]);
        assert_eq!(g.groups.len(), 2);
        let names: Vec<_> = g.groups[0].nodes.iter().map(|n| n.value.as_str()).collect();
        assert_eq!(names, vec!["pve1", "pve2", "pve3"]);
        assert_eq!(g.groups[0].priorities, vec![Some(2), None, Some(1)]);
        for n in &g.groups[0].nodes {
            assert_eq!(&text[n.span.range()], n.value);
        }
        assert!(g.groups[1].nodes.is_empty());
        assert!(!g.groups[1].section.usable);
    }

    #[test]
    fn rules_of_both_types() {
        let text = "node-affinity: ha-rule-1\n\tresources vm:100,ct:101\n\tnodes pve1:2,pve2\n\tstrict 1\n\nresource-affinity: keep-apart\n\tresources vm:100,vm:102\n\taffinity negative\n\tdisable\n\nresource-affinity: r3\n\tresources vm:100\n";
        let f = file("ha/rules.cfg", text);
        let mut d = Vec::new();
        let r = parse_rules(&f, &mut d);
        assert_eq!(codes(&d), vec!["P012"]);
        assert_eq!(r.rules.len(), 3);
        let a = &r.rules[0];
        assert_eq!(a.kind.value, "node-affinity");
        let res: Vec<_> = a.resources.iter().map(|n| n.value.as_str()).collect();
        assert_eq!(res, vec!["vm:100", "ct:101"]);
        let nodes: Vec<_> = a.nodes.iter().map(|n| &text[n.span.range()]).collect();
        assert_eq!(nodes, vec!["pve1", "pve2"]);
        assert!(!a.disabled());
        assert!(r.rules[1].disabled());
        assert!(r.rules[1].nodes.is_empty());
    }

    #[test]
    fn unknown_rule_type_and_key_on_wrong_type() {
        let text = "location: r1\n\tresources vm:100\n\nresource-affinity: r2\n\tresources vm:100\n\taffinity positive\n\tnodes pve1\n";
        let f = file("ha/rules.cfg", text);
        let mut d = Vec::new();
        let r = parse_rules(&f, &mut d);
        assert_eq!(codes(&d), vec!["P010", "P007"]);
        assert_eq!(r.rules.len(), 1);
    }

    #[test]
    fn split_list_like_perl() {
        let v = " a,,b; c\td ";
        let items: Vec<_> = split_list(v).into_iter().map(|(a, b)| &v[a..b]).collect();
        assert_eq!(items, vec!["a", "b", "c", "d"]);
        assert!(split_list("").is_empty());
    }

    fn dump(path: &str, text: &str) -> String {
        let f = SourceFile::new(FileId(0), path, text.to_string());
        let mut d = Vec::new();
        let loc = |s: crate::Span| crate::testutil::range(&f, s);
        let mut out = String::new();
        let values = |out: &mut String, s: &Section| {
            for (k, v) in &s.values {
                *out += &format!("  {k} = {:?} @{}\n", v.value, loc(v.span));
            }
        };
        let name = path.rsplit('/').next().unwrap_or(path);
        if name.starts_with("resources") {
            for r in parse_resources(&f, &mut d).resources {
                out += &format!(
                    "resource {} vmid={:?} state={} usable={} @{}\n",
                    r.sid.value,
                    r.vmid,
                    r.state(),
                    r.section.usable,
                    loc(r.sid.span)
                );
                values(&mut out, &r.section);
            }
        } else if name.starts_with("groups") {
            for g in parse_groups(&f, &mut d).groups {
                out += &format!("group {} usable={} @{}\n", g.id.value, g.section.usable, loc(g.id.span));
                for (n, p) in g.nodes.iter().zip(&g.priorities) {
                    out += &format!("  node {} prio={p:?} @{}\n", n.value, loc(n.span));
                }
                values(&mut out, &g.section);
            }
        } else {
            for r in parse_rules(&f, &mut d).rules {
                out += &format!(
                    "rule {} {} disabled={} usable={} @{}\n",
                    r.kind.value,
                    r.id.value,
                    r.disabled(),
                    r.section.usable,
                    loc(r.id.span)
                );
                for n in &r.nodes {
                    out += &format!("  node {} @{}\n", n.value, loc(n.span));
                }
                for n in &r.resources {
                    out += &format!("  resource {} @{}\n", n.value, loc(n.span));
                }
                values(&mut out, &r.section);
            }
        }
        out += &crate::testutil::diag_lines(&f, &d);
        out
    }

    #[test]
    fn snapshots() {
        insta::glob!("../../../../testdata/parse/ha", "*.cfg", |path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            insta::assert_snapshot!(dump(name, &text));
        });
    }

    /// Runs over the real configurations of the shared corpus: no findings expected.
    #[test]
    #[ignore]
    fn corpus_real_files() {
        let in_ha = |p: &std::path::Path| {
            p.parent().and_then(|d| d.file_name()).is_some_and(|d| d == "ha")
                && p.extension().is_some_and(|e| e == "cfg")
        };
        crate::testutil::assert_corpus_clean(&in_ha, &|p, f, d| match p.file_name().and_then(|n| n.to_str()) {
            Some("resources.cfg") => drop(parse_resources(f, d)),
            Some("groups.cfg") => drop(parse_groups(f, d)),
            Some("rules.cfg") => drop(parse_rules(f, d)),
            _ => {}
        });
    }
}
