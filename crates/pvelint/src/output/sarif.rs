//! `sarif`: SARIF 2.1.0 for GitHub code scanning.

use super::{message_with_help, position, Links};
use crate::fingerprint;
use pvelint_parse::{Diagnostic, Severity, Span, Tree};
use pvelint_rules::RuleMeta;
use serde::Serialize;

/// Where the project lives; SARIF's `informationUri`.
pub const INFORMATION_URI: &str = "https://github.com/pvelint/pvelint";

/// The SARIF schema the output follows.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key of pvelint's fingerprint in SARIF `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "pvelint/v1";

/// The URL of a code's document under `base` (`explain-url`), pinned to this version by
/// default.
pub fn help_uri(base: Option<&str>, code: &str) -> String {
    pvelint_rules::registry::doc_url(base, code)
}

/// SARIF's name for a severity.
pub fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The text of the section `## <heading>` of a rule document, trimmed; `None` if the
/// document has no such section or it is empty.
pub(super) fn doc_section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    let marker = format!("## {heading}\n");
    let start = doc.find(&marker)? + marker.len();
    let rest = doc.get(start..)?;
    let end = rest.find("\n## ").map_or(rest.len(), |i| i + 1);
    let text = rest.get(..end)?.trim();
    (!text.is_empty()).then_some(text)
}

/// Percent-encodes a relative path for a URI reference: keeps RFC 3986's unreserved
/// characters and `/`, encodes every other byte.
pub(super) fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Serialize)]
struct SarifLog {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<SarifRun>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRun {
    tool: SarifTool,
    /// Columns are counted in characters, as everywhere in pvelint.
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct SarifTool {
    driver: SarifDriver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifDriver {
    name: &'static str,
    information_uri: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<SarifRule>,
}

#[derive(Serialize)]
struct SarifText {
    text: String,
}

#[derive(Serialize)]
struct SarifHelp {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRule {
    id: &'static str,
    name: &'static str,
    short_description: SarifText,
    full_description: SarifText,
    help: SarifHelp,
    help_uri: String,
    default_configuration: SarifConfiguration,
    properties: SarifRuleProperties,
}

#[derive(Serialize)]
struct SarifConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
struct SarifRuleProperties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    /// -1 when the registry does not know the code (SARIF's "no rule index").
    rule_index: i64,
    level: &'static str,
    message: SarifText,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: std::collections::BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<SarifResultProperties>,
    /// The automatic fix (SARIF 2.1.0 §3.55), when the run would apply one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: SarifText,
    artifact_changes: Vec<SarifArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifArtifactChange {
    artifact_location: SarifArtifactLocation,
    replacements: Vec<SarifReplacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifReplacement {
    deleted_region: SarifDeletedRegion,
    inserted_content: SarifText,
}

/// A region by lines and columns and by bytes (`byteOffset`, `byteLength`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifDeletedRegion {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    byte_offset: u32,
    byte_length: u32,
}

/// A fix as SARIF `fixes`: one artifact change per file, its edits as replacements.
fn sarif_fix(tree: &Tree, fix: &pvelint_parse::Fix) -> SarifFix {
    let mut changes: Vec<SarifArtifactChange> = Vec::new();
    for e in &fix.edits {
        let uri = uri_path(&tree.file(e.span.file).path);
        if changes.last().is_none_or(|c| c.artifact_location.uri != uri) {
            changes.push(SarifArtifactChange {
                artifact_location: SarifArtifactLocation { uri, uri_base_id: "%SRCROOT%" },
                replacements: Vec::new(),
            });
        }
        let p = position(tree, e.span);
        if let Some(c) = changes.last_mut() {
            c.replacements.push(SarifReplacement {
                deleted_region: SarifDeletedRegion {
                    start_line: p.line,
                    start_column: p.column,
                    end_line: p.end_line,
                    end_column: p.end_column,
                    byte_offset: e.span.start,
                    byte_length: e.span.end - e.span.start,
                },
                inserted_content: SarifText { text: e.replacement.clone() },
            });
        }
    }
    let kind = fix.applicability.as_str();
    SarifFix { description: SarifText { text: format!("{} ({kind} fix)", fix.message) }, artifact_changes: changes }
}

#[derive(Serialize)]
struct SarifResultProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: SarifPhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<SarifText>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifPhysicalLocation {
    artifact_location: SarifArtifactLocation,
    region: SarifRegion,
    context_region: SarifContextRegion,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    snippet: SarifText,
}

/// Whole lines around a region (no columns: SARIF reads that as full lines); on a long
/// line, a window of it around the region (with columns).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifContextRegion {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
    end_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
    snippet: SarifText,
}

/// Context longer than this (bytes) is cut to a window of [`CONTEXT_WINDOW`] bytes each
/// side of the region; a region snippet longer than [`MAX_SNIPPET`] is cut with `…`.
const LONG_CONTEXT: usize = 1024;
const CONTEXT_WINDOW: usize = 80;
const MAX_SNIPPET: usize = 512;

/// The texts shown in snippets, per file, values of sensitive keys masked (offsets
/// unchanged): masked once per file with findings, not once per location.
struct Masked<'a> {
    tree: &'a Tree,
    texts: Vec<std::cell::OnceCell<std::borrow::Cow<'a, str>>>,
}

impl<'a> Masked<'a> {
    fn new(tree: &'a Tree) -> Self {
        Masked { tree, texts: tree.files.iter().map(|_| std::cell::OnceCell::new()).collect() }
    }

    fn text(&self, span: Span) -> &str {
        self.texts[span.file.0 as usize].get_or_init(|| pvelint_parse::secrets::redact(&self.tree.file(span.file).text))
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

fn sarif_rule(m: &RuleMeta, links: Links) -> SarifRule {
    let tag = if m.code.starts_with('P') { "syntax" } else { "cross-file" };
    SarifRule {
        id: m.code,
        name: m.name,
        short_description: SarifText { text: m.summary.to_string() },
        full_description: SarifText { text: doc_section(m.doc(), "What it finds").unwrap_or(m.summary).to_string() },
        help: SarifHelp {
            text: if m.doc().is_empty() { m.summary.to_string() } else { m.doc().to_string() },
            markdown: if m.doc().is_empty() { m.summary.to_string() } else { m.doc().to_string() },
        },
        help_uri: help_uri(links.doc_base, m.code),
        default_configuration: SarifConfiguration { level: sarif_level(m.severity) },
        properties: SarifRuleProperties { tags: vec!["proxmox", tag] },
    }
}

/// The text of a span (cut at [`MAX_SNIPPET`] bytes), and its context: the whole lines
/// it touches (without the final newline), or on long lines a window around it, with the
/// columns of the window.
fn snippets(masked: &Masked, span: Span) -> (String, String, Option<(usize, usize)>) {
    let f = masked.tree.file(span.file);
    let text = masked.text(span);
    let (start, end) = (span.start as usize, span.end as usize);
    let line_start = f.line_span(span.start).start as usize;
    let line_end = f.line_span(span.end).end as usize;
    let exact = text.get(start..end).unwrap_or_default();
    let exact = if exact.len() > MAX_SNIPPET {
        format!("{}…", &exact[..floor_boundary(exact, MAX_SNIPPET)])
    } else {
        exact.to_string()
    };
    if masked.tree.file(span.file).origin == pvelint_parse::source::Origin::Attached {
        // A file attached from outside the tree: nothing beyond the span is quoted.
        return (exact.clone(), exact, None);
    }
    if line_end - line_start <= LONG_CONTEXT {
        return (exact, text.get(line_start..line_end).unwrap_or_default().to_string(), None);
    }
    let ws = floor_boundary(text, start.saturating_sub(CONTEXT_WINDOW).max(line_start));
    let we = ceil_boundary(text, (start.max(end.min(start + MAX_SNIPPET)) + CONTEXT_WINDOW).min(line_end));
    let columns = (f.line_col(ws as u32).1, f.line_col(we as u32).1);
    (exact, text.get(ws..we).unwrap_or_default().to_string(), Some(columns))
}

fn sarif_location(masked: &Masked, span: Span, id: Option<usize>, message: Option<&str>) -> SarifLocation {
    let tree = masked.tree;
    let p = position(tree, span);
    let (exact, lines, columns) = snippets(masked, span);
    // A window lies on the region's lines: the context has the region's line numbers.
    let (ctx_start_line, ctx_end_line) = (p.line, p.end_line);
    SarifLocation {
        id,
        physical_location: SarifPhysicalLocation {
            artifact_location: SarifArtifactLocation {
                uri: uri_path(&tree.file(span.file).path),
                uri_base_id: "%SRCROOT%",
            },
            region: SarifRegion {
                start_line: p.line,
                start_column: p.column,
                end_line: p.end_line,
                end_column: p.end_column,
                snippet: SarifText { text: exact },
            },
            context_region: SarifContextRegion {
                start_line: ctx_start_line,
                start_column: columns.map(|c| c.0),
                end_line: ctx_end_line,
                end_column: columns.map(|c| c.1),
                snippet: SarifText { text: lines },
            },
        },
        message: message.map(|m| SarifText { text: m.to_string() }),
    }
}

/// SARIF 2.1.0: one run, the driver with every code of the registry (with its document,
/// help URI and default level), one result per diagnostic with its labels as related
/// locations and the [`fingerprint`] as partial fingerprint `pvelint/v1`. Paths are
/// relative URIs (base `%SRCROOT%`). Pretty-printed, with a final newline.
pub fn sarif(tree: &Tree, diags: &[Diagnostic], links: Links) -> String {
    let metas = pvelint_rules::registry::all_meta();
    let fps = fingerprint::fingerprints(tree, diags);
    let masked = Masked::new(tree);
    let results = diags
        .iter()
        .zip(fps)
        .map(|(d, fp)| {
            let properties = (d.object.is_some() || d.key.is_some())
                .then(|| SarifResultProperties { object: d.object.clone(), key: d.key.clone() });
            SarifResult {
                rule_id: d.code,
                rule_index: metas
                    .iter()
                    .position(|m| m.code == d.code)
                    .and_then(|i| i64::try_from(i).ok())
                    .unwrap_or(-1),
                level: sarif_level(d.severity),
                message: SarifText { text: message_with_help(d) },
                locations: vec![sarif_location(&masked, d.span, None, None)],
                related_locations: d
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| sarif_location(&masked, l.span, Some(i + 1), Some(&l.message)))
                    .collect(),
                partial_fingerprints: std::iter::once((FINGERPRINT_KEY, fp)).collect(),
                properties,
                fixes: d.fix.iter().map(|f| sarif_fix(tree, f)).collect(),
            }
        })
        .collect();
    let log = SarifLog {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: vec![SarifRun {
            tool: SarifTool {
                driver: SarifDriver {
                    name: "pvelint",
                    information_uri: INFORMATION_URI,
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: metas.iter().map(|m| sarif_rule(m, links)).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
