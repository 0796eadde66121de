//! The section-config grammar of `PVE::SectionConfig::parse_config` (Perl), used by
//! storage.cfg, jobs.cfg, replication.cfg and ha/*.cfg, and a small schema layer that
//! applies Proxmox's per-key semantics (first *valid* value wins, unknown keys dropped,
//! required keys, bare booleans).
//!
//! Source: pve-common `src/PVE/SectionConfig.pm` → `parse_config`, `check_value`, `check_config`.

use crate::diag::{Diagnostic, Edit, Fix};
use crate::source::SourceFile;
use crate::span::{Span, Spanned};
use crate::syntax;
use std::collections::BTreeMap;

/// One property line inside a section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawProp {
    pub key: Spanned<String>,
    /// `None` for a bare key (`sparse`).
    pub value: Option<Spanned<String>>,
    /// The whole line.
    pub line: Span,
}

/// A section as the grammar sees it, before any schema is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawSection {
    /// The section type as written (`dir`, `vzdump`, …).
    pub kind: Spanned<String>,
    pub id: Spanned<String>,
    /// The header line.
    pub header: Span,
    pub props: Vec<RawProp>,
    /// Keys that reached this section only because a later header was ignored (P002,
    /// with P001 when a whitespace line hid the separator). Proxmox adds them to this
    /// section, but they were written for the ignored one: they are not applied to the
    /// model (no rule speaks about them as this section's) and appear as labels of the
    /// P002 finding instead. With the header (span, text) that lost them.
    pub swallowed: Vec<(RawProp, Spanned<String>)>,
}

/// What the file's plugin says about a header.
pub enum HeaderVerdict {
    Accept,
    /// Skip the whole section (unknown type, invalid ID); the diagnostic says why.
    Skip(Diagnostic),
}

use crate::text::is_perl_space;

/// Matches `^(\S+):\s*(\S+)\s*$` and returns `(type, id)` as byte ranges of `line`.
pub fn match_header(line: &str) -> Option<((usize, usize), (usize, usize))> {
    if line.is_empty() || line.starts_with(is_perl_space) {
        return None;
    }
    let t = line.trim_end_matches(is_perl_space);
    if let Some(ws) = t.find(is_perl_space) {
        let before = &t[..ws];
        let after_start = ws + (t[ws..].len() - t[ws..].trim_start_matches(is_perl_space).len());
        let after = &t[after_start..];
        if before.len() >= 2 && before.ends_with(':') && !after.is_empty() && !after.contains(is_perl_space) {
            return Some(((0, ws - 1), (after_start, t.len())));
        }
        return None;
    }
    // No whitespace at all: `type:id`, type greedy (the last usable colon).
    let bytes = t.as_bytes();
    for i in (1..t.len().saturating_sub(1)).rev() {
        if bytes[i] == b':' {
            return Some(((0, i), (i + 1, t.len())));
        }
    }
    None
}

/// Matches `^\s+(\S+)(\s+(.*\S))?\s*$` and returns `(key, value)` byte ranges.
#[allow(clippy::type_complexity)]
pub fn match_property(line: &str) -> Option<((usize, usize), Option<(usize, usize)>)> {
    if !line.starts_with(is_perl_space) {
        return None;
    }
    let key_start = line.len() - line.trim_start_matches(is_perl_space).len();
    if key_start == line.len() {
        return None;
    }
    let rest = &line[key_start..];
    let key_len = rest.find(is_perl_space).unwrap_or(rest.len());
    let key = (key_start, key_start + key_len);
    let after = &line[key.1..];
    let value_start = key.1 + (after.len() - after.trim_start_matches(is_perl_space).len());
    let value_end = line.trim_end_matches(is_perl_space).len();
    let value = (value_start < value_end).then_some((value_start, value_end));
    Some((key, value))
}

fn is_comment(line: &str) -> bool {
    line.trim_start_matches(is_perl_space).starts_with('#')
}

/// Splits a section-config file into sections the way Perl does. `verdict` decides, per
/// header, whether the section is kept. Skipped sections are not returned.
pub fn parse_sections(
    file: &SourceFile,
    diags: &mut Vec<Diagnostic>,
    verdict: impl FnMut(&Spanned<String>, &Spanned<String>) -> HeaderVerdict,
) -> Vec<RawSection> {
    parse_sections_with(file, diags, match_header, verdict)
}

/// A header matcher: `(type, id)` byte ranges of the line, or `None`.
pub type HeaderMatcher = fn(&str) -> Option<((usize, usize), (usize, usize))>;

/// Matches a bare-ID header, `^(\S+)\s*$` (the files whose type is implied:
/// `mapping/*.cfg`, pve-guest-common `PVE/Mapping/PCI.pm` → `parse_section_header`).
/// The type range is empty (at the start of the line).
pub fn match_bare_header(line: &str) -> Option<((usize, usize), (usize, usize))> {
    if line.is_empty() || line.starts_with(is_perl_space) {
        return None;
    }
    let t = line.trim_end_matches(is_perl_space);
    (!t.contains(is_perl_space)).then_some(((0, 0), (0, t.len())))
}

/// [`parse_sections`] with another header grammar.
pub fn parse_sections_with(
    file: &SourceFile,
    diags: &mut Vec<Diagnostic>,
    match_header: HeaderMatcher,
    mut verdict: impl FnMut(&Spanned<String>, &Spanned<String>) -> HeaderVerdict,
) -> Vec<RawSection> {
    let lines: Vec<(Span, &str)> = file.lines().collect();
    let mut sections = Vec::new();
    // The CR finding and where this file's findings start: its fix is safe only when no
    // section of the file was merged into another (checked once the file is parsed).
    let crlf_at = file.text.contains('\r').then(|| {
        let first_cr = file.text.find('\r').unwrap_or(0);
        diags.push(
            syntax::CRLF
                .at(Span::new(file.id, first_cr, first_cr + 1), "this file contains carriage returns (CR); Proxmox does not strip them, so lines that look empty do not end a section")
                .with_help("convert the file to LF line endings (`dos2unix`)")
                .with_object("file"),
        );
        diags.len() - 1
    });
    let mut i = 0;
    while i < lines.len() {
        let (span, line) = lines[i];
        i += 1;
        if line.is_empty() || line == "0" || is_comment(line) {
            continue;
        }
        let Some((ty, id)) = match_header(line) else {
            outside_line(span, line, diags);
            continue;
        };
        let kind = Spanned::new(line[ty.0..ty.1].to_string(), span.sub(ty.0, ty.1));
        let id = Spanned::new(line[id.0..id.1].to_string(), span.sub(id.0, id.1));
        let skip = match verdict(&kind, &id) {
            HeaderVerdict::Accept => None,
            HeaderVerdict::Skip(d) => {
                diags.push(d);
                Some(id.value.clone())
            }
        };
        let mut section = RawSection { kind, id, header: span, props: Vec::new(), swallowed: Vec::new() };
        // The last ignored header of this section and the index of its P002 finding.
        let mut ignored: Option<(Spanned<String>, usize)> = None;
        // Whitespace-only lines seen in this section and not yet known to be harmful, and
        // whether a line the section reads follows them (emptying them would then cut
        // that line off the section: no fix).
        let mut pending_blank: Vec<(Span, bool)> = Vec::new();
        while i < lines.len() {
            let (span, line) = lines[i];
            if line.is_empty() || line == "0" {
                break;
            }
            i += 1;
            if is_comment(line) {
                continue;
            }
            if let Some(skipped) = &skip {
                if match_header(line).is_some() {
                    diags.push(
                        syntax::SECTION_SWALLOWED
                            .at(span, format!("this section is discarded without any warning: it follows the skipped section '{skipped}' with no empty line in between"))
                            .with_label(section.header, "skipped section starts here")
                            .with_help("put an empty line before this header (and fix or remove the skipped section)"),
                    );
                }
                continue;
            }
            if line.trim_matches(is_perl_space).is_empty() {
                pending_blank.push((span, false));
                continue;
            }
            let before_header = pending_blank.last().is_some_and(|(_, followed)| !followed);
            pending_blank.iter_mut().for_each(|(_, followed)| *followed = true);
            if let Some((k, v)) = match_property(line) {
                let key = &line[k.0..k.1];
                if key.len() > 1 && key.ends_with(':') && v.is_some_and(|v| !line[v.0..v.1].contains(is_perl_space)) {
                    diags.push(
                        syntax::INDENTED_HEADER
                            .at(
                                span,
                                format!(
                                    "'{}' is indented, so it is read as a key of section '{}', not as a new section",
                                    line.trim_matches(is_perl_space),
                                    section.id.value
                                ),
                            )
                            .with_help("start the section header in column 0, after an empty line"),
                    );
                    continue;
                }
                let prop = RawProp {
                    key: Spanned::new(key.to_string(), span.sub(k.0, k.1)),
                    value: v.map(|v| Spanned::new(line[v.0..v.1].to_string(), span.sub(v.0, v.1))),
                    line: span,
                };
                match &ignored {
                    Some((header, at)) => {
                        if let Some(d) = diags.get_mut(*at) {
                            let label = format!(
                                "`{}` was written for '{}' but is read as a key of '{}'",
                                prop.key.value, header.value, section.id.value
                            );
                            d.labels.push(crate::diag::Label { span: prop.line, message: label });
                        }
                        section.swallowed.push((prop, header.clone()));
                    }
                    None => section.props.push(prop),
                }
            } else if match_header(line).is_some() {
                let last = pending_blank.len();
                for (n, (b, _)) in pending_blank.drain(..).enumerate() {
                    let mut d = syntax::BLANK_LINE_NOT_EMPTY
                        .at(b, "this line looks empty but holds whitespace, so it does not end the section and the next header is not read")
                        .with_help("remove the spaces, tabs or CR so that the line is exactly empty");
                    // The separator right before the header: emptying it lets Proxmox read
                    // the header, which changes what it does.
                    if before_header && n + 1 == last {
                        d = d.with_fix(Fix::unsafe_(
                            "empty the line, so that the next header starts a section of its own",
                            vec![Edit::delete(b)],
                        ));
                    }
                    diags.push(d);
                }
                let separate = (!before_header).then(|| {
                    Fix::unsafe_(
                        "insert an empty line before the header, so that it starts a section of its own",
                        vec![Edit::insert(file.id, span.start, "\n")],
                    )
                });
                diags.push(
                    syntax::HEADER_WITHOUT_SEPARATOR
                        .at(
                            span,
                            format!(
                                "this header is ignored because section '{}' has not ended: its keys are added to '{}'",
                                section.id.value, section.id.value
                            ),
                        )
                        .with_label(section.header, "the section that absorbs the keys")
                        .with_help("separate sections with an exactly empty line"),
                );
                if let (Some(fix), Some(d)) = (separate, diags.last_mut()) {
                    d.fix = Some(Box::new(fix));
                }
                let header = line.trim_matches(is_perl_space).to_string();
                let header = match match_header(line) {
                    Some((_, id)) => line[id.0..id.1].to_string(),
                    None => header,
                };
                ignored = Some((Spanned::new(header, span), diags.len() - 1));
            } else {
                diags.push(
                    syntax::UNPARSABLE_LINE
                        .at(
                            span,
                            format!(
                                "Proxmox ignores this line of section '{}': a key line must start with whitespace",
                                section.id.value
                            ),
                        )
                        .with_help("indent the key with a tab, or remove the line"),
                );
            }
        }
        for (b, followed) in pending_blank {
            let mut d = syntax::BLANK_LINE_NOT_EMPTY
                .at(b, "this line looks empty but holds whitespace; Proxmox warns about it and it does not end the section")
                .with_severity(crate::Severity::Info)
                .with_help("remove the spaces, tabs or CR so that the line is exactly empty");
            // Nothing the section reads follows: the section ends at the same place.
            if !followed {
                d = d.with_fix(Fix::safe("empty the line", vec![Edit::delete(b)]));
            }
            diags.push(d);
        }
        if skip.is_none() {
            sections.push(section);
        }
    }
    if let Some(at) = crlf_at {
        crlf_fix(file, &mut diags[at..]);
    }
    sections
}

/// P003's fix: every CR before a LF removed (a lone CR elsewhere: no fix). Safe when no
/// section of the file was merged into another (no P002, P014, or P001 error among the
/// file's findings `after`, which start with the P003 finding), unsafe otherwise: the
/// sections then separate.
fn crlf_fix(file: &SourceFile, after: &mut [Diagnostic]) {
    let bytes = file.text.as_bytes();
    let crs: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] == b'\r').collect();
    if crs.iter().any(|&i| bytes.get(i + 1) != Some(&b'\n')) {
        return;
    }
    let merged = after.iter().any(|d| {
        d.code == syntax::HEADER_WITHOUT_SEPARATOR.code
            || d.code == syntax::SECTION_SWALLOWED.code
            || (d.code == syntax::BLANK_LINE_NOT_EMPTY.code && d.severity == crate::Severity::Error)
    });
    let edits = crs.iter().map(|&i| Edit::delete(Span::new(file.id, i, i + 1))).collect();
    let message = "convert the file to LF line endings";
    let fix = if merged { Fix::unsafe_(message, edits) } else { Fix::safe(message, edits) };
    if let Some(d) = after.first_mut() {
        d.fix = Some(Box::new(fix));
    }
}

fn outside_line(span: Span, line: &str, diags: &mut Vec<Diagnostic>) {
    if line.trim_matches(is_perl_space).is_empty() {
        return;
    }
    if let Some((k, v)) = match_property(line) {
        let key = &line[k.0..k.1];
        if key.len() > 1 && key.ends_with(':') && v.is_some() {
            diags.push(
                syntax::INDENTED_HEADER
                    .at(span, format!("'{}' is indented, so Proxmox does not read it as a section header; the section and its keys are ignored", line.trim_matches(is_perl_space)))
                    .with_help("start the section header in column 0"),
            );
        } else {
            diags.push(
                syntax::UNPARSABLE_LINE
                    .at(span, format!("key '{key}' is outside any section (an empty line above ended the section), so Proxmox ignores it"))
                    .with_help("remove the empty line above, or move the key into its section"),
            );
        }
    } else {
        diags.push(
            syntax::UNPARSABLE_LINE
                .at(span, "Proxmox ignores this line: it is neither a section header (`type: id`) nor an indented key")
                .with_help("fix the line or turn it into a comment with `#`"),
        );
    }
}

/// How a key's value is checked.
#[derive(Clone, Copy)]
pub enum ValueKind {
    /// Exactly `0` or `1`; a bare key means `1`.
    Bool,
    /// An integer in the inclusive range.
    Int(i64, i64),
    Enum(&'static [&'static str]),
    /// Any non-empty string.
    Text,
    /// Checked by a function returning a message on failure.
    Custom(fn(&str) -> Result<(), String>),
}

/// A key of a section type.
#[derive(Clone, Copy)]
pub struct KeyDef {
    pub name: &'static str,
    pub kind: ValueKind,
    pub required: bool,
    /// Array keys may repeat and accumulate.
    pub array: bool,
}

impl KeyDef {
    pub const fn opt(name: &'static str, kind: ValueKind) -> Self {
        KeyDef { name, kind, required: false, array: false }
    }
    pub const fn req(name: &'static str, kind: ValueKind) -> Self {
        KeyDef { name, kind, required: true, array: false }
    }
    pub const fn array(name: &'static str, kind: ValueKind) -> Self {
        KeyDef { name, kind, required: false, array: true }
    }
}

/// Checks a value against a [`ValueKind`]. `Ok` holds the value to use.
pub fn check_value(kind: ValueKind, value: Option<&str>) -> Result<String, String> {
    let q = crate::diag::quote_bounded;
    match (kind, value) {
        (ValueKind::Bool, None) => Ok("1".into()),
        (_, None) => Err("the key has no value".into()),
        (ValueKind::Bool, Some(v)) => match v {
            "0" | "1" => Ok(v.into()),
            _ => Err(format!("'{}' is not a boolean here: only 0 and 1 are accepted", q(v))),
        },
        (ValueKind::Int(min, max), Some(v)) => match v.parse::<i64>() {
            Ok(n) if n >= min && n <= max => Ok(v.into()),
            Ok(_) => Err(format!("{v} is out of range {min}..={max}")),
            Err(_) => Err(format!("'{}' is not an integer", q(v))),
        },
        (ValueKind::Enum(values), Some(v)) => {
            if values.contains(&v) {
                Ok(v.into())
            } else {
                Err(format!("'{}' is not one of {}", q(v), values.join(", ")))
            }
        }
        (ValueKind::Text, Some(v)) => Ok(v.into()),
        (ValueKind::Custom(f), Some(v)) => f(v).map(|()| v.to_string()),
    }
}

/// A section after its schema was applied: the values Proxmox keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub raw: RawSection,
    /// Single-valued keys: the first valid occurrence (spans point at the value, or at
    /// the key for a bare boolean).
    pub values: BTreeMap<String, Spanned<String>>,
    /// Array keys, all valid occurrences in order.
    pub arrays: BTreeMap<String, Vec<Spanned<String>>>,
    /// `false` when Proxmox cannot use the section (a required key is missing): the ID
    /// exists but maps to nothing.
    pub usable: bool,
}

impl Section {
    pub fn get(&self, key: &str) -> Option<&Spanned<String>> {
        self.values.get(key)
    }
    pub fn id(&self) -> &str {
        &self.raw.id.value
    }
    /// The span of the key line for `key` (the first kept occurrence), for labels.
    pub fn key_line(&self, key: &str) -> Option<Span> {
        let v = self.values.get(key)?;
        self.raw.props.iter().find(|p| p.line.start <= v.span.start && v.span.end <= p.line.end).map(|p| p.line)
    }
}

/// What the schema layer needs to know about one file.
pub struct Schema<'a> {
    /// Name of the file for messages (`storage.cfg`).
    pub file: &'a str,
    /// Keys allowed for the section type.
    pub keys: &'a [KeyDef],
    /// Every key any type of this file knows, to tell "not allowed for this type" from
    /// "unknown".
    pub all_keys: &'a [&'a str],
    /// Extra checks on a kept value (e.g. a path format); return a message to drop it.
    pub object: String,
}

/// Applies a schema to a raw section with Proxmox's semantics.
pub fn apply_schema(raw: RawSection, schema: &Schema, diags: &mut Vec<Diagnostic>) -> Section {
    let mut values: BTreeMap<String, Spanned<String>> = BTreeMap::new();
    let mut arrays: BTreeMap<String, Vec<Spanned<String>>> = BTreeMap::new();
    let kind = raw.kind.value.clone();
    for p in &raw.props {
        let key = p.key.value.as_str();
        let Some(def) = schema.keys.iter().find(|d| d.name == key) else {
            let msg = if schema.all_keys.contains(&key) {
                format!("'{key}' is not allowed on a '{kind}' section of {}; Proxmox drops it", schema.file)
            } else {
                format!("unknown key '{key}' in {}; Proxmox drops it", schema.file)
            };
            let mut d = syntax::UNKNOWN_KEY.at(p.key.span, msg).with_object(schema.object.clone()).with_key(key);
            if let Some(s) = suggest(key, schema.keys.iter().map(|d| d.name)) {
                d = d.with_help(format!("did you mean '{s}'?"));
            } else {
                d = d.with_help(format!(
                    "remove the line; keys of a '{kind}' section are: {}",
                    schema.keys.iter().map(|d| d.name).collect::<Vec<_>>().join(", ")
                ));
            }
            diags.push(d);
            continue;
        };
        let checked = check_value(def.kind, p.value.as_ref().map(|v| v.value.as_str()));
        let value_span = p.value.as_ref().map_or(p.key.span, |v| v.span);
        match checked {
            Err(e) if p.value.is_none() => diags.push(
                syntax::MISSING_VALUE
                    .at(p.line, format!("key '{key}' has no value; Proxmox drops it ({e})"))
                    .with_object(schema.object.clone())
                    .with_key(key),
            ),
            Err(e) => diags.push(
                syntax::INVALID_VALUE
                    .at(value_span, format!("invalid value for '{key}': {e}; Proxmox drops the key"))
                    .with_object(schema.object.clone())
                    .with_key(key),
            ),
            Ok(v) => {
                if def.array {
                    arrays.entry(key.to_string()).or_default().push(Spanned::new(v, value_span));
                } else if let Some(first) = values.get(key) {
                    diags.push(
                        syntax::DUPLICATE_KEY
                            .at(p.line, format!("'{key}' is set twice in '{}'; Proxmox keeps the first valid value '{}' and drops this one", crate::diag::quote_bounded(&raw.id.value), crate::diag::quote_bounded(&first.value)))
                            .with_label(first.span, "this value is used")
                            .with_object(schema.object.clone())
                            .with_key(key)
                            .with_help("remove one of the lines"),
                    );
                } else {
                    values.insert(key.to_string(), Spanned::new(v, value_span));
                }
            }
        }
    }
    let mut usable = true;
    for def in schema.keys.iter().filter(|d| d.required) {
        if !values.contains_key(def.name) && !arrays.contains_key(def.name) {
            usable = false;
            diags.push(
                syntax::MISSING_REQUIRED_KEY
                    .at(raw.header, format!("{} section '{}' has no valid '{}'; Proxmox cannot use it, and every write of {} through the API or GUI fails until it is fixed", kind, raw.id.value, def.name, schema.file))
                    .with_object(schema.object.clone())
                    .with_key(def.name)
                    .with_help(format!("add a valid '{}' line to the section", def.name)),
            );
        }
    }
    Section { raw, values, arrays, usable }
}

/// Reports sections with the same ID (the later one replaces the earlier) and returns
/// the surviving sections in file order.
pub fn dedup_ids(
    sections: Vec<Section>,
    file: &str,
    diags: &mut Vec<Diagnostic>,
    object: impl Fn(&str) -> String,
) -> Vec<Section> {
    let mut last: BTreeMap<String, usize> = BTreeMap::new();
    for (i, s) in sections.iter().enumerate() {
        if let Some(prev) = last.insert(s.id().to_string(), i) {
            let p = &sections[prev];
            diags.push(
                syntax::DUPLICATE_SECTION_ID
                    .at(
                        s.raw.id.span,
                        format!(
                            "'{}' is defined twice in {file}; this definition replaces the earlier one",
                            crate::diag::quote_bounded(s.id())
                        ),
                    )
                    .with_label(p.raw.header, "earlier definition, ignored by Proxmox")
                    .with_object(object(s.id()))
                    .with_help("rename or remove one of the sections"),
            );
        }
    }
    sections.into_iter().enumerate().filter(|(i, s)| last.get(s.id()) == Some(i)).map(|(_, s)| s).collect()
}

/// The closest candidate within edit distance 2, for "did you mean" help.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2 && *d < c.len().max(word.len()) / 2 + 1)
        .min()
        .map(|(_, c)| c)
}

pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    #[test]
    fn header_matching_follows_perl() {
        let h = |l: &str| match_header(l).map(|((a, b), (c, d))| (l[a..b].to_string(), l[c..d].to_string()));
        assert_eq!(h("dir: local"), Some(("dir".into(), "local".into())));
        assert_eq!(h("dir:local"), Some(("dir".into(), "local".into())));
        assert_eq!(h("lvmthin: ssd "), Some(("lvmthin".into(), "ssd".into())));
        assert_eq!(h("vzdump: abc:1"), Some(("vzdump".into(), "abc:1".into())));
        assert_eq!(h("a:b:c"), Some(("a:b".into(), "c".into())));
        assert_eq!(h("dir: local extra"), None);
        assert_eq!(h(" dir: local"), None);
        assert_eq!(h("dir :local"), None);
        assert_eq!(h("dir:"), None);
        assert_eq!(h("dir: local\r"), Some(("dir".into(), "local".into())));
    }

    #[test]
    fn property_matching_follows_perl() {
        let p =
            |l: &str| match_property(l).map(|((a, b), v)| (l[a..b].to_string(), v.map(|(c, d)| l[c..d].to_string())));
        assert_eq!(p("\tpath /var/lib/vz"), Some(("path".into(), Some("/var/lib/vz".into()))));
        assert_eq!(p("    comment my long  text  "), Some(("comment".into(), Some("my long  text".into()))));
        assert_eq!(p("\tsparse"), Some(("sparse".into(), None)));
        assert_eq!(p("\tsparse\r"), Some(("sparse".into(), None)));
        assert_eq!(p("path x"), None);
        assert_eq!(p("  \t"), None);
    }

    fn parse(text: &str) -> (Vec<RawSection>, Vec<Diagnostic>) {
        let f = SourceFile::new(FileId(0), "storage.cfg", text.to_string());
        let mut d = Vec::new();
        let s = parse_sections(&f, &mut d, |k, id| {
            if k.value == "bogus" {
                HeaderVerdict::Skip(syntax::UNKNOWN_SECTION_TYPE.at(id.span, "unknown"))
            } else {
                HeaderVerdict::Accept
            }
        });
        (s, d)
    }

    #[test]
    fn whitespace_separator_merges_sections() {
        let (s, d) = parse("dir: a\n\tpath /a\n  \nzfspool: b\n\tpool tank\n");
        assert_eq!(s.len(), 1);
        // `pool tank` was written for 'b': marked, not a key of 'a', and a label of P002.
        assert_eq!(s[0].props.len(), 1);
        assert_eq!(s[0].swallowed.len(), 1);
        assert_eq!(s[0].swallowed[0].1.value, "b");
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec!["P001", "P002"]);
        assert!(d[1].labels.iter().any(|l| l.message.contains("`pool` was written for 'b'")), "{:?}", d[1].labels);
    }

    #[test]
    fn comments_do_not_end_sections_and_skipped_sections_swallow() {
        let (s, d) = parse("dir: a\n# c\n\tpath /a\n\nbogus: g\ndir: b\n\tpath /b\n\ndir: c\n\tpath /c\n");
        let ids: Vec<_> = s.iter().map(|s| s.id.value.as_str()).collect();
        assert_eq!(ids, vec!["a", "c"]);
        assert_eq!(s[0].props.len(), 1);
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec!["P010", "P014"]);
    }

    #[test]
    fn key_outside_section_is_reported() {
        let (s, d) = parse("vzdump: j\n\tvmid 100\n\n\tscript /x\n");
        assert_eq!(s[0].props.len(), 1);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "P004");
    }

    #[test]
    fn schema_keeps_first_valid_value() {
        let (s, _) = parse("dir: a\n\tshared yes\n\tshared 1\n\tshared 0\n\tsparse\n\tfoo 1\n");
        let keys = [KeyDef::opt("shared", ValueKind::Bool), KeyDef::req("path", ValueKind::Text)];
        let schema = Schema {
            file: "storage.cfg",
            keys: &keys,
            all_keys: &["shared", "path", "sparse"],
            object: "storage:a".into(),
        };
        let mut d = Vec::new();
        let sec = apply_schema(s.into_iter().next().unwrap(), &schema, &mut d);
        assert_eq!(sec.get("shared").unwrap().value, "1");
        assert!(!sec.usable);
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec!["P008", "P006", "P007", "P007", "P012"]);
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("contnet", ["content", "path"]), Some("content"));
        assert_eq!(suggest("xyz", ["content", "path"]), None);
    }
}
