//! Output: every format pvelint prints, one module each, over one position service.
//!
//! `mod.rs` holds what the formats share: positions (line and column, counted once per
//! file through the source's line index), the sort order, the summary, the help-text
//! helper, [`Links`] (where rule documents live) and [`render`], the one dispatcher the
//! CLI calls. No format calls into another's module. Pure functions over a linted tree:
//! no I/O, and the same input always gives the same bytes.

pub mod commands;
pub mod concise;
pub mod diff;
pub mod full;
pub mod github;
pub mod gitlab;
pub mod graph;
pub mod json;
pub mod markdown;
pub mod sarif;

pub use commands::commands;
pub use concise::concise;
pub use full::{full, FullStyle};
pub use github::github;
pub use gitlab::gitlab;
pub use json::{json, json_whatif};
pub use sarif::{sarif, FINGERPRINT_KEY};

use pvelint_parse::{Diagnostic, Severity, Span, Tree};
use serde::Serialize;

/// The formats of `check --format` and `--output`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Full,
    Concise,
    Json,
    Sarif,
    Github,
    Gitlab,
    /// The Proxmox commands that apply the fixes on a live cluster (nothing is run).
    Commands,
    /// A summary for pull requests (GitHub job summaries, GitLab notes).
    Markdown,
    /// The picture of the tree with its findings, one self-contained page.
    Html,
}

/// Where rule documents live: `None` is this version's tag of pvelint's repository
/// (`explain-url` / `--explain-url` set another base, checked when read).
#[derive(Clone, Copy, Debug, Default)]
pub struct Links<'a> {
    pub doc_base: Option<&'a str>,
}

impl Links<'_> {
    /// The address of a code's document.
    pub fn url(&self, code: &str) -> String {
        pvelint_rules::registry::doc_url(self.doc_base, code)
    }
}

/// Renders `diags` of `tree` in `format`; the human formats end with the summary line.
pub fn render(format: Format, tree: &Tree, diags: &[Diagnostic], style: FullStyle, links: Links) -> String {
    match format {
        Format::Json => json::json(tree, diags, links),
        Format::Sarif => sarif::sarif(tree, diags, links),
        Format::Github => github::github(tree, diags, links),
        Format::Gitlab => gitlab::gitlab(tree, diags, links),
        Format::Commands => commands::commands(tree, diags),
        Format::Markdown => markdown::markdown(tree, diags, links),
        Format::Html => picture_html(tree, diags, false, links, "pvelint: the tree and its findings".into()),
        Format::Concise => concise::concise(tree, diags) + &summary_line(&Summary::of(tree, diags)),
        Format::Full => full::full(tree, diags, style, links) + &summary_line(&Summary::of(tree, diags)),
    }
}

/// What-if in `format`: the plan (for people) or nothing (machine formats), the findings
/// the change introduces, and those it resolves (`resolved` in JSON; a list after the
/// others in the human formats; left out of SARIF, GitHub and GitLab, which report what
/// is wrong).
pub fn render_whatif(
    format: Format,
    plan: &str,
    tree: &Tree,
    (introduced, resolved): (&[Diagnostic], &[Diagnostic]),
    style: FullStyle,
    links: Links,
) -> String {
    let after = |heading: &str, mut t: String| {
        if !resolved.is_empty() {
            t.push_str(heading);
            t.push_str(&concise::concise(tree, resolved));
        }
        t
    };
    match format {
        Format::Json => json::json_whatif(tree, introduced, resolved, links),
        Format::Sarif => sarif::sarif(tree, introduced, links),
        Format::Github => github::github(tree, introduced, links),
        Format::Gitlab => gitlab::gitlab(tree, introduced, links),
        Format::Commands => commands::commands(tree, introduced),
        Format::Markdown => markdown::markdown_whatif(plan, tree, introduced, resolved, links),
        Format::Html => {
            let title = plan.lines().next().unwrap_or("What if?").to_string();
            picture_html(tree, introduced, true, links, title)
        }
        Format::Concise => after("resolved:\n", plan.to_string() + &concise::concise(tree, introduced)),
        Format::Full => {
            after("Resolved by the change:\n", format!("{plan}\n") + &full::full(tree, introduced, style, links))
        }
    }
}

/// The HTML picture of a tree with these findings: the whole tree, or, for what-if
/// (`all_new`: every finding is one the change introduces, drawn highlighted), what
/// the findings touch and everything within reach of it.
fn picture_html(tree: &Tree, diags: &[Diagnostic], all_new: bool, links: Links, title: String) -> String {
    let ctx = pvelint_rules::Context::new(tree);
    let mut g = pvelint_rules::graph::build(&ctx);
    g.attach(diags);
    if all_new && !diags.is_empty() {
        g = g.focus(&ctx, &g.touched());
    }
    let mask = vec![true; diags.len()];
    let p = graph::Picture { tree, graph: &g, diags, introduced: all_new.then_some(mask.as_slice()), links, title };
    graph::html::html(&p)
}

/// A finding as the JSON contracts write it (`--format json`, and each finding of the
/// graph contract): code, name, severity, message, place, labels, help, document.
#[derive(Serialize)]
pub struct JsonLabel<'a> {
    pub path: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: &'a str,
}

#[derive(Serialize)]
pub struct JsonDiag<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub severity: &'a str,
    pub message: &'a str,
    pub path: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub labels: Vec<JsonLabel<'a>>,
    pub help: Option<&'a str>,
    /// The rule's document.
    pub url: String,
    /// The automatic fix (safe ones; unsafe ones too with `--unsafe-fixes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
pub struct JsonFix<'a> {
    pub applicability: &'a str,
    pub message: &'a str,
    pub edits: Vec<JsonEdit<'a>>,
    /// The Proxmox command line that applies the fix on a live cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<&'a str>,
}

#[derive(Serialize)]
pub struct JsonEdit<'a> {
    pub path: &'a str,
    /// Byte offsets in the file, end exclusive.
    pub start: u32,
    pub end: u32,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub replacement: &'a str,
}

impl<'a> JsonFix<'a> {
    pub fn of(tree: &'a Tree, fix: &'a pvelint_parse::Fix) -> JsonFix<'a> {
        JsonFix {
            applicability: fix.applicability.as_str(),
            message: &fix.message,
            edits: fix
                .edits
                .iter()
                .map(|e| {
                    let p = position(tree, e.span);
                    JsonEdit {
                        path: &tree.file(e.span.file).path,
                        start: e.span.start,
                        end: e.span.end,
                        line: p.line,
                        column: p.column,
                        end_line: p.end_line,
                        end_column: p.end_column,
                        replacement: &e.replacement,
                    }
                })
                .collect(),
            command: fix.command.as_deref(),
        }
    }
}

impl<'a> JsonDiag<'a> {
    pub fn of(tree: &'a Tree, d: &'a Diagnostic, links: Links) -> JsonDiag<'a> {
        let p = position(tree, d.span);
        JsonDiag {
            code: d.code,
            name: d.name,
            severity: d.severity.as_str(),
            message: &d.message,
            path: &tree.file(d.span.file).path,
            line: p.line,
            column: p.column,
            end_line: p.end_line,
            end_column: p.end_column,
            labels: d
                .labels
                .iter()
                .map(|l| {
                    let p = position(tree, l.span);
                    JsonLabel {
                        path: &tree.file(l.span.file).path,
                        line: p.line,
                        column: p.column,
                        end_line: p.end_line,
                        end_column: p.end_column,
                        message: &l.message,
                    }
                })
                .collect(),
            help: d.help.as_deref(),
            url: links.url(d.code),
            fix: d.fix.as_deref().map(|f| JsonFix::of(tree, f)),
        }
    }
}

/// 1-based line and column of both ends of a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn position(tree: &Tree, span: Span) -> Position {
    let f = tree.file(span.file);
    let (line, column) = f.line_col(span.start);
    let (end_line, end_column) = f.line_col(span.end);
    Position { line, column, end_line, end_column }
}

/// The findings' order (path, position, code, message): [`pvelint_rules::pipeline::sort`].
pub use pvelint_rules::pipeline::sort;

#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// The layout recognised (`a copy of /etc/pve with top-level lxc/ …`).
    pub layout: String,
    /// The local node assumed and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// With node facts: which nodes have them, and which have none (the `N…` rules say
    /// nothing about those). Absent without facts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts: Option<String>,
}

impl Summary {
    pub fn of(tree: &Tree, diags: &[Diagnostic]) -> Summary {
        let count = |s| diags.iter().filter(|d| d.severity == s).count();
        Summary {
            // priv/ files that C103 names are known by name, never read: not counted.
            files: tree.read_files().count(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            layout: tree.layout_description(),
            node: tree.node_description(),
            facts: crate::facts::coverage_note(tree),
        }
    }
}

/// The human summary line.
pub fn summary_line(s: &Summary) -> String {
    let plural = pvelint_parse::text::count;
    let node = s.node.as_ref().map(|n| format!("; local node {n}")).unwrap_or_default();
    let facts = s.facts.as_ref().map(|f| format!("; {f}")).unwrap_or_default();
    format!(
        "layout: {}{node}{facts}\n{} checked: {}, {}, {}\n",
        s.layout,
        plural(s.files, "file"),
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info")
    )
}

/// The message text of a diagnostic, with its help on a second line.
fn message_with_help(d: &Diagnostic) -> String {
    match &d.help {
        Some(h) => format!("{}\nhelp: {h}", d.message),
        None => d.message.clone(),
    }
}

#[cfg(test)]
mod tests;
