//! `firewall/cluster.fw`, `nodes/<node>/host.fw`, `firewall/<vmid>.fw`: the firewall
//! configuration.
//!
//! Behaviour mirrored from pve-firewall `src/PVE/Firewall.pm`:
//! * `generic_fw_config_parser`: every line is trimmed; empty lines and `#` comments are
//!   skipped; `[OPTIONS]`, `[ALIASES]`, `[RULES]`, `[IPSET name]`, `[group name]` start a
//!   section (case-insensitive, only those the file type has: the cluster all five, a
//!   guest no groups, a host only OPTIONS and RULES); IPSET and group names are stored
//!   lowercased, alias names too;
//! * `[OPTIONS]`: `key: value` (one token); anything else is ignored ("can't parse
//!   option"), even a valid option followed by a comment;
//! * `parse_fw_rule`: `[|]TYPE ACTION [-opt value]… [# comment]`; a leading `|` disables
//!   the rule; `MACRO(ACTION)` names a macro; options `-i`, `-p`/`--proto`, `--dport`,
//!   `--sport`, `--source`, `--dest`, `--log`, `--icmp-type` (one or two dashes); a group
//!   rule takes only `-i`; anything else: "unable to parse rule", the rule is dropped.

use crate::diag::Diagnostic;
use crate::source::SourceFile;
use crate::span::{FileId, Span, Spanned};
use crate::syntax;
use std::collections::BTreeMap;

/// Which firewall file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FwScope {
    Cluster,
    Host(String),
    Guest(u32),
}

/// One rule line that Proxmox parses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FwRule {
    /// `false` for a rule disabled with a leading `|`.
    pub enabled: bool,
    /// `in`, `out`, `forward`, `group` (lowercased).
    pub kind: String,
    /// The action (`ACCEPT`), or the group name of a `GROUP` rule.
    pub action: Spanned<String>,
    /// The macro of `MACRO(ACTION)`.
    pub macro_name: Option<Spanned<String>>,
    pub iface: Option<Spanned<String>>,
    pub source: Option<Spanned<String>>,
    pub dest: Option<Spanned<String>>,
    pub line: Span,
    /// The security group (`[group x]`) the rule belongs to; `None` for `[RULES]`.
    pub group: Option<String>,
}

/// One firewall file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FwFile {
    pub file: FileId,
    pub scope: FwScope,
    /// `[OPTIONS]` that Proxmox reads (the last of a repeated key wins).
    pub options: BTreeMap<String, Spanned<String>>,
    /// Lowercased alias name → the line that defines it.
    pub aliases: BTreeMap<String, Span>,
    /// Lowercased ipset name → its header line.
    pub ipsets: BTreeMap<String, Span>,
    /// Lowercased security-group name → its header line (cluster.fw only).
    pub groups: BTreeMap<String, Span>,
    /// The rules of `[RULES]` and of the groups, in file order.
    pub rules: Vec<FwRule>,
}

impl FwFile {
    /// The value of an option as written.
    pub fn option(&self, key: &str) -> Option<&Spanned<String>> {
        self.options.get(key)
    }

    /// The rules of `[RULES]` (not of a group) that Proxmox applies when enabled.
    pub fn active_rules(&self) -> impl Iterator<Item = &FwRule> {
        self.rules.iter().filter(|r| r.enabled && r.group.is_none())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    Options,
    Aliases,
    Rules,
    Ipset,
    Group,
}

/// `[A-Za-z][A-Za-z0-9\-\_]+` with a length limit.
fn valid_set_name(n: &str, max: usize) -> bool {
    let b = n.as_bytes();
    b.len() >= 2
        && b.len() <= max
        && b[0].is_ascii_alphabetic()
        && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
}

/// A header line: `(section, name, name span offset)`.
fn header(line: &str) -> Option<(Section, Option<(usize, usize)>)> {
    let inner = line.strip_prefix('[')?;
    let close = inner.find(']')?;
    let body = &inner[..close];
    let rest = inner[close + 1..].trim();
    if !rest.is_empty() && !rest.starts_with('#') {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let simple = |s| (rest.is_empty()).then_some((s, None));
    match lower.as_str() {
        "options" => simple(Section::Options),
        "aliases" => simple(Section::Aliases),
        "rules" => simple(Section::Rules),
        _ => {
            let (word, name) = body.split_once(|c: char| c.is_ascii_whitespace())?;
            let name_trim = name.trim();
            let start = 1 + body.len() - name.trim_start().len();
            let range = Some((start, start + name_trim.len()));
            match word.to_ascii_lowercase().as_str() {
                "ipset" => Some((Section::Ipset, range)),
                "group" => Some((Section::Group, range)),
                _ => None,
            }
        }
    }
}

fn allowed(scope: &FwScope, s: Section) -> bool {
    match scope {
        FwScope::Cluster => true,
        FwScope::Guest(_) => s != Section::Group,
        FwScope::Host(_) => matches!(s, Section::Options | Section::Rules),
    }
}

/// Splits a rule line into (span offset, token) pairs.
fn tokens(s: &str) -> Vec<(usize, &str)> {
    crate::text::runs(s, |c| c.is_ascii_whitespace()).into_iter().map(|(a, b)| (a, &s[a..b])).collect()
}

fn parse_rule(line_span: Span, text: &str, group: Option<&str>) -> Result<FwRule, String> {
    // The comment is everything from the first `#`.
    let body = text.split('#').next().unwrap_or_default();
    let (enabled, off) = match body.strip_prefix('|') {
        Some(_) => (false, 1),
        None => (true, 0),
    };
    let toks: Vec<(usize, &str)> = tokens(&body[off..]).into_iter().map(|(o, t)| (o + off, t)).collect();
    let sp = |o: usize, t: &str| line_span.sub(o, o + t.len());
    let [(_, ty), (ao, action), rest @ ..] = toks.as_slice() else {
        return Err("a rule needs a direction and an action (`IN ACCEPT …`)".into());
    };
    let kind = ty.to_ascii_lowercase();
    let mut rule = FwRule {
        enabled,
        kind: kind.clone(),
        action: Spanned::new(action.to_string(), sp(*ao, action)),
        macro_name: None,
        iface: None,
        source: None,
        dest: None,
        line: line_span,
        group: group.map(str::to_string),
    };
    if kind == "in" || kind == "out" || kind == "forward" {
        if let Some((name, act)) = action.strip_suffix(')').and_then(|a| a.split_once('(')) {
            if !name.is_empty() && matches!(act, "ACCEPT" | "DROP" | "REJECT") {
                rule.macro_name = Some(Spanned::new(name.to_string(), sp(*ao, name)));
                rule.action = Spanned::new(act.to_string(), sp(ao + name.len() + 1, act));
            }
        }
    }
    let mut i = 0;
    while i < rest.len() {
        let (_, opt) = rest[i];
        let Some((vo, value)) = rest.get(i + 1).copied() else {
            return Err(format!("option `{opt}` has no value"));
        };
        let name = opt.strip_prefix("--").or_else(|| opt.strip_prefix('-'));
        let v = Spanned::new(value.to_string(), sp(vo, value));
        match name {
            Some("i") if opt == "-i" => rule.iface = Some(v),
            _ if kind == "group" => return Err(format!("a GROUP rule takes only `-i`, not `{opt}`")),
            Some("p") if opt == "-p" => {}
            Some("proto" | "dport" | "sport" | "log" | "icmp-type") => {}
            Some("source") => rule.source = Some(v),
            Some("dest") => rule.dest = Some(v),
            _ => return Err(format!("`{opt}` is not a rule option")),
        }
        i += 2;
    }
    Ok(rule)
}

pub fn parse(file: &SourceFile, scope: FwScope, diags: &mut Vec<Diagnostic>) -> FwFile {
    let mut out = FwFile {
        file: file.id,
        scope: scope.clone(),
        options: BTreeMap::new(),
        aliases: BTreeMap::new(),
        ipsets: BTreeMap::new(),
        groups: BTreeMap::new(),
        rules: Vec::new(),
    };
    let mut section = Section::None;
    let mut group: Option<String> = None;
    for (span, raw) in file.lines() {
        let lead = raw.len() - raw.trim_start().len();
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let lspan = span.sub(lead, lead + line.len());
        if let Some((s, name)) = header(line).filter(|(s, _)| allowed(&scope, *s)) {
            section = s;
            group = None;
            if let Some((a, b)) = name {
                let n = &line[a..b];
                let max = if s == Section::Ipset { 64 } else { 18 };
                if !valid_set_name(n, max) {
                    diags.push(
                        syntax::INVALID_SECTION_ID
                            .at(lspan.sub(a, b), format!("'{}' is not a valid {} name (a letter, then letters, digits, `-` or `_`, at most {max} characters); Proxmox skips the section", crate::diag::quote_bounded(n), if s == Section::Ipset { "IPSET" } else { "group" }))
                            .with_object("file"),
                    );
                    section = Section::None;
                    continue;
                }
                let lower = n.to_ascii_lowercase();
                if s == Section::Ipset {
                    out.ipsets.insert(lower, lspan);
                } else {
                    out.groups.insert(lower.clone(), lspan);
                    group = Some(lower);
                }
            }
            continue;
        }
        match section {
            Section::None => diags.push(
                syntax::UNPARSABLE_LINE
                    .at(lspan, "Proxmox ignores this line: it is before any section (`[OPTIONS]`, `[RULES]`, …) or its section was skipped")
                    .with_help("put the line under its section header"),
            ),
            Section::Options => {
                let parsed = line.split_once(':').and_then(|(k, v)| {
                    let v = v.trim();
                    let key_ok = !k.is_empty() && k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
                    (key_ok && !v.is_empty() && !v.contains(|c: char| c.is_ascii_whitespace())).then_some((k, v))
                });
                match parsed {
                    Some((k, v)) => {
                        let at = line.len() - v.len();
                        out.options.insert(k.to_string(), Spanned::new(v.to_string(), lspan.sub(at, line.len())));
                    }
                    None => diags.push(
                        syntax::INVALID_VALUE
                            .at(lspan, "Proxmox cannot parse this option and ignores it (\"can't parse option\"): an option is `key: value` with one word as the value and nothing after it, not even a comment")
                            .with_help("write the option alone on its line; put a comment on a line of its own")
                            .with_object("file"),
                    ),
                }
            }
            Section::Aliases => {
                let name = line.split(|c: char| c.is_ascii_whitespace()).next().unwrap_or_default();
                if valid_set_name(name, 64) {
                    out.aliases.insert(name.to_ascii_lowercase(), lspan);
                }
            }
            Section::Ipset => {}
            Section::Rules | Section::Group => {
                match parse_rule(lspan, line, group.as_deref()) {
                    Ok(r) => out.rules.push(r),
                    Err(e) => diags.push(
                        syntax::UNPARSABLE_LINE
                            .at(lspan, format!("Proxmox cannot parse this rule and ignores it (\"unable to parse rule\": {e}); the GUI drops it at its next save"))
                            .with_help("write rules as `IN ACCEPT -p tcp -dport 22 -source +mgmt`"),
                    ),
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(scope: FwScope, text: &str) -> (FwFile, Vec<Diagnostic>) {
        let f = SourceFile::new(FileId(1), "firewall/cluster.fw", text.to_string());
        let mut d = Vec::new();
        (parse(&f, scope, &mut d), d)
    }

    #[test]
    fn reads_sections_and_rules() {
        let text = "[OPTIONS]\nenable: 1\npolicy_in: DROP # no\n\n[ALIASES]\nOffice 10.0.0.0/24\n\n[IPSET Mgmt] # admins\n10.0.0.5\n\n[RULES]\nIN SSH(ACCEPT) -source +mgmt -log nolog\n|OUT ACCEPT -p tcp --dport 443 -dest office # web\nGROUP web -i net0\nIN ACCEPT -x y\n\n[group web]\nIN HTTP(ACCEPT)\n";
        let (c, d) = run(FwScope::Cluster, text);
        assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), vec!["P008", "P004"]);
        assert_eq!(c.option("enable").unwrap().value, "1");
        assert!(c.aliases.contains_key("office"));
        assert!(c.ipsets.contains_key("mgmt"));
        assert!(c.groups.contains_key("web"));
        assert_eq!(c.rules.len(), 4);
        assert_eq!(c.rules[0].macro_name.as_ref().unwrap().value, "SSH");
        assert_eq!(&text[c.rules[0].source.as_ref().unwrap().span.range()], "+mgmt");
        assert!(!c.rules[1].enabled);
        assert_eq!(c.rules[2].kind, "group");
        assert_eq!(c.rules[2].action.value, "web");
        assert_eq!(c.rules[3].group.as_deref(), Some("web"));
    }

    #[test]
    fn sections_a_file_type_lacks_are_content() {
        let (c, d) = run(FwScope::Host("pve1".into()), "[IPSET x1]\n10.0.0.1\n[RULES]\nIN ACCEPT\n");
        assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), vec!["P004", "P004"]);
        assert!(c.ipsets.is_empty());
        assert_eq!(c.rules.len(), 1);
    }

    fn dump(text: &str) -> String {
        let f = SourceFile::new(FileId(0), "firewall/100.fw", text.to_string());
        let mut d = Vec::new();
        let c = parse(&f, FwScope::Guest(100), &mut d);
        let loc = |s: crate::Span| crate::testutil::range(&f, s);
        let mut out = String::new();
        for (k, v) in &c.options {
            out += &format!("option {k} = {:?} @{}\n", v.value, loc(v.span));
        }
        for (k, v) in &c.aliases {
            out += &format!("alias {k} @{}\n", loc(*v));
        }
        for (k, v) in &c.ipsets {
            out += &format!("ipset {k} @{}\n", loc(*v));
        }
        for r in &c.rules {
            out += &format!(
                "rule {} {} enabled={} macro={:?} iface={:?} source={:?} dest={:?} @{}\n",
                r.kind,
                r.action.value,
                r.enabled,
                r.macro_name.as_ref().map(|m| &m.value),
                r.iface.as_ref().map(|m| &m.value),
                r.source.as_ref().map(|m| &m.value),
                r.dest.as_ref().map(|m| &m.value),
                loc(r.line)
            );
        }
        out += &crate::testutil::diag_lines(&f, &d);
        out
    }

    #[test]
    fn snapshots() {
        insta::glob!("../../../../testdata/parse/firewall", "*.fw", |path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            insta::assert_snapshot!(dump(&text));
        });
    }
}
