//! Machine formats for CI: SARIF 2.1.0 (GitHub code scanning), GitHub workflow commands
//! (pull-request annotations), GitLab Code Quality. Pure functions over a linted tree: no I/O, no colour, and the same
//! input always gives the same bytes.

use crate::fingerprint;
use crate::render::position;
use pvelint_parse::{Diagnostic, Severity, Span, Tree};
use pvelint_rules::RuleMeta;
use serde::Serialize;

/// Where the project lives; SARIF's `informationUri`.
pub const INFORMATION_URI: &str = "https://github.com/pvelint/pvelint";

/// The SARIF schema the output follows.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key of pvelint's fingerprint in SARIF `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "pvelint/v1";

/// The URL of a code's document.
pub fn help_uri(code: &str) -> String {
    format!("{INFORMATION_URI}/blob/main/rules/{code}.md")
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
fn doc_section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    let marker = format!("## {heading}\n");
    let start = doc.find(&marker)? + marker.len();
    let rest = doc.get(start..)?;
    let end = rest.find("\n## ").map_or(rest.len(), |i| i + 1);
    let text = rest.get(..end)?.trim();
    (!text.is_empty()).then_some(text)
}

/// Percent-encodes a relative path for a URI reference: keeps RFC 3986's unreserved
/// characters and `/`, encodes every other byte.
fn uri_path(path: &str) -> String {
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

/// The message text of a diagnostic, with its help on a second line.
fn message_with_help(d: &Diagnostic) -> String {
    match &d.help {
        Some(h) => format!("{}\nhelp: {h}", d.message),
        None => d.message.clone(),
    }
}

// ---------------------------------------------------------------------------------------
// SARIF 2.1.0

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

fn sarif_rule(m: &RuleMeta) -> SarifRule {
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
        help_uri: help_uri(m.code),
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
    if masked.tree.outside_tree.contains(&span.file) {
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
pub fn sarif(tree: &Tree, diags: &[Diagnostic]) -> String {
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
                    rules: metas.iter().map(sarif_rule).collect(),
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

// ---------------------------------------------------------------------------------------
// GitHub workflow commands

/// Escapes the data part of a workflow command.
fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn gh_escape_property(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub's annotation level for a severity.
pub fn github_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// GitHub Actions workflow commands, one line per diagnostic:
/// `::error file=PATH,line=L,col=C,endLine=L,endColumn=C,title=CODE name::message`.
/// The runner turns them into annotations on the pull request. Labels are listed in the
/// message, one per line, as `PATH:LINE:COL: label`.
pub fn github(tree: &Tree, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let p = position(tree, d.span);
        let mut message = message_with_help(d);
        for l in &d.labels {
            let lp = position(tree, l.span);
            message.push_str(&format!("\n{}:{}:{}: {}", tree.file(l.span.file).path, lp.line, lp.column, l.message));
        }
        out.push_str(&format!(
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            github_level(d.severity),
            gh_escape_property(&tree.file(d.span.file).path),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            gh_escape_property(&format!("{} {}", d.code, d.name)),
            gh_escape_data(&message),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------
// GitLab Code Quality

#[derive(Serialize)]
struct GlIssue {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: GlLocation,
}

#[derive(Serialize)]
struct GlLocation {
    path: String,
    lines: GlLines,
}

#[derive(Serialize)]
struct GlLines {
    begin: usize,
    end: usize,
}

/// GitLab's Code Quality severity for a severity.
pub fn gitlab_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "info",
    }
}

/// A GitLab Code Quality report (the Code Climate subset GitLab reads): a JSON array with
/// one issue per diagnostic, `description` (`CODE name: message`), `check_name` (the
/// code), `fingerprint` (unique in the report), `severity`, `location.path` and
/// `location.lines`. Pretty-printed, with a final newline.
pub fn gitlab(tree: &Tree, diags: &[Diagnostic]) -> String {
    let fps = fingerprint::fingerprints(tree, diags);
    let issues: Vec<GlIssue> = diags
        .iter()
        .zip(fps)
        .map(|(d, fp)| {
            let p = position(tree, d.span);
            GlIssue {
                kind: "issue",
                description: format!("{} {}: {}", d.code, d.name, d.message),
                check_name: d.code,
                fingerprint: fp,
                severity: gitlab_severity(d.severity),
                location: GlLocation {
                    path: tree.file(d.span.file).path.clone(),
                    lines: GlLines { begin: p.line, end: p.end_line },
                },
            }
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use pvelint_parse::{InputFile, TreeInput};

    fn lint(files: &[(&str, &str)]) -> (Tree, Vec<Diagnostic>) {
        let input = TreeInput {
            files: files.iter().map(|(p, t)| InputFile::new(*p, t.as_bytes().to_vec())).collect(),
            ..TreeInput::default()
        };
        // Syntax codes only: rule authors keep adding rules, which would change the samples.
        crate::lint(input, |m| m.code.starts_with('P'))
    }

    fn sample() -> (Tree, Vec<Diagnostic>) {
        // A bad content type (P008) on line 3, at `backupz`.
        lint(&[("storage.cfg", "dir: bk\n\tpath /mnt/bk\n\tcontent backupz\n")])
    }

    #[test]
    fn sarif_result_points_at_the_span() {
        let (tree, diags) = sample();
        assert_eq!(diags[0].code, "P008");
        let v: serde_json::Value = serde_json::from_str(&sarif(&tree, &diags)).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        let r = &run["results"][0];
        assert_eq!(r["ruleId"], "P008");
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][idx]["id"], "P008");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "storage.cfg");
        let p = position(&tree, diags[0].span);
        assert_eq!(loc["region"]["startLine"], p.line as u64);
        assert_eq!(loc["region"]["startColumn"], p.column as u64);
        assert_eq!(loc["region"]["endColumn"], p.end_column as u64);
        assert_eq!(p.line, 3);
        assert_eq!(loc["region"]["snippet"]["text"], "backupz");
        assert_eq!(loc["contextRegion"]["startLine"], 3);
        assert_eq!(loc["contextRegion"]["snippet"]["text"], "\tcontent backupz");
        assert_eq!(r["partialFingerprints"][FINGERPRINT_KEY], fingerprint::fingerprint(&tree, &diags[0]));
        assert_eq!(r["level"], sarif_level(diags[0].severity));
    }

    #[test]
    fn sarif_lists_every_code_with_its_document() {
        let (tree, diags) = sample();
        let v: serde_json::Value = serde_json::from_str(&sarif(&tree, &diags)).unwrap();
        let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        let metas = pvelint_rules::registry::all_meta();
        assert_eq!(rules.len(), metas.len());
        for (r, m) in rules.iter().zip(&metas) {
            assert_eq!(r["id"], m.code);
            assert_eq!(r["name"], m.name);
            assert_eq!(r["shortDescription"]["text"], m.summary);
            assert_eq!(r["help"]["markdown"], m.doc());
            assert_eq!(r["helpUri"], format!("https://github.com/pvelint/pvelint/blob/main/rules/{}.md", m.code));
            assert!(!r["fullDescription"]["text"].as_str().unwrap().is_empty());
        }
    }

    #[test]
    fn sarif_is_deterministic() {
        let (tree, diags) = sample();
        assert_eq!(sarif(&tree, &diags), sarif(&tree, &diags));
    }

    #[test]
    fn labels_become_related_locations() {
        // A guest on a storage storage.cfg does not define: no label; build one by hand.
        let (tree, mut diags) = sample();
        let span = diags[0].span;
        diags[0].labels.push(pvelint_parse::diag::Label { span, message: "defined here".into() });
        let v: serde_json::Value = serde_json::from_str(&sarif(&tree, &diags)).unwrap();
        let rel = &v["runs"][0]["results"][0]["relatedLocations"][0];
        assert_eq!(rel["id"], 1);
        assert_eq!(rel["message"]["text"], "defined here");
        assert_eq!(rel["physicalLocation"]["region"]["startLine"], 3);
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri_path("pve/nodes/a b/lxc/1.conf"), "pve/nodes/a%20b/lxc/1.conf");
        assert_eq!(uri_path("ä#%"), "%C3%A4%23%25");
        assert_eq!(uri_path("etc/pve/storage.cfg"), "etc/pve/storage.cfg");
    }

    #[test]
    fn doc_sections_are_found() {
        let doc = "# X1 x\n\n## What it finds\nA thing.\nMore.\n\n## Why it matters\nBecause.\n";
        assert_eq!(doc_section(doc, "What it finds"), Some("A thing.\nMore."));
        assert_eq!(doc_section(doc, "Why it matters"), Some("Because."));
        assert_eq!(doc_section(doc, "Example"), None);
    }

    #[test]
    fn github_commands_escape_data_and_properties() {
        assert_eq!(gh_escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(gh_escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        let (tree, diags) = lint(&[("nodes/a,b:c/lxc/100.conf", "arch: amd64\nrootfs local:100/x.raw\n")]);
        let out = github(&tree, &diags);
        assert!(!diags.is_empty());
        for line in out.lines() {
            assert!(line.starts_with("::"), "{line}");
            let (props, _) = line[2..].split_once("::").unwrap();
            assert!(props.contains("file=nodes/a%2Cb%3Ac/lxc/100.conf,"), "{props}");
        }
        assert_eq!(out.lines().count(), diags.len());
    }

    #[test]
    fn github_command_shape() {
        let (tree, diags) = sample();
        let p = position(&tree, diags[0].span);
        let out = github(&tree, &diags);
        let first = out.lines().next().unwrap();
        let expected = format!(
            "::{} file=storage.cfg,line=3,col={},endLine=3,endColumn={},title=P008 {}::",
            github_level(diags[0].severity),
            p.column,
            p.end_column,
            diags[0].name
        );
        assert!(first.starts_with(&expected), "{first}\n{expected}");
        assert!(!first.contains('\n'));
        assert_eq!(github_level(Severity::Info), "notice");
    }

    #[test]
    fn gitlab_issues() {
        let (tree, diags) = sample();
        let v: serde_json::Value = serde_json::from_str(&gitlab(&tree, &diags)).unwrap();
        let issues = v.as_array().unwrap();
        assert_eq!(issues.len(), diags.len());
        let i = &issues[0];
        assert_eq!(i["check_name"], "P008");
        assert_eq!(i["location"]["path"], "storage.cfg");
        assert_eq!(i["location"]["lines"]["begin"], 3);
        assert_eq!(i["severity"], gitlab_severity(diags[0].severity));
        assert_eq!(i["fingerprint"], fingerprint::fingerprint(&tree, &diags[0]));
        assert!(i["description"].as_str().unwrap().starts_with("P008 "));
        assert_eq!(gitlab_severity(Severity::Error), "critical");
        assert_eq!(gitlab_severity(Severity::Warning), "major");
        assert_eq!(gitlab_severity(Severity::Info), "info");
        // An empty report is an empty array.
        assert_eq!(gitlab(&tree, &[]).trim(), "[]");
    }

    #[test]
    fn gitlab_fingerprints_are_unique() {
        // The same bad line twice in one file: two findings, two fingerprints.
        let (tree, diags) =
            lint(&[("storage.cfg", "dir: a\n\tpath /a\n\tcontent backupz\n\ndir: a\n\tpath /a\n\tcontent backupz\n")]);
        let v: serde_json::Value = serde_json::from_str(&gitlab(&tree, &diags)).unwrap();
        let fps: std::collections::BTreeSet<&str> =
            v.as_array().unwrap().iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
        assert_eq!(fps.len(), diags.len());
    }
}
