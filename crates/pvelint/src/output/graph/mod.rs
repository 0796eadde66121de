//! The dependency picture (`pvelint graph`, `check --format html`, `what-if --format
//! html`): one module per format (`dot`, `mermaid`, `json`, `svg`, `html`) over a
//! [`Picture`], the graph of `pvelint_rules::graph` with its findings. What they share
//! lives here (the picture, the words shown for objects and edges, escaping for each
//! target language, the Mermaid body that the Markdown summary embeds too) and in
//! `layout.rs` (the layered layout the SVG and the HTML draw). No format calls another
//! format's module, except the HTML, which embeds the SVG through [`svg::draw`].

pub mod dot;
pub mod html;
pub mod json;
pub mod layout;
pub mod mermaid;
pub mod svg;

use super::{position, Links};
use pvelint_parse::{Diagnostic, Severity, Tree};
use pvelint_rules::graph::{Edge, Graph, Object};

/// The formats of `pvelint graph --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
    Svg,
    Html,
}

/// A graph to draw, with the findings its objects and edges refer to.
pub struct Picture<'a> {
    pub tree: &'a Tree,
    pub graph: &'a Graph,
    /// The findings the graph's indexes refer to.
    pub diags: &'a [Diagnostic],
    /// What-if: per finding, whether the change introduces it (drawn highlighted).
    pub introduced: Option<&'a [bool]>,
    pub links: Links<'a>,
    /// One line: what the picture shows.
    pub title: String,
}

/// Renders a picture in one of the graph formats.
pub fn render(format: GraphFormat, p: &Picture) -> String {
    match format {
        GraphFormat::Dot => dot::dot(p),
        GraphFormat::Mermaid => mermaid::mermaid(p),
        GraphFormat::Json => json::json(p),
        GraphFormat::Svg => svg::svg(p),
        GraphFormat::Html => html::html(p),
    }
}

impl Picture<'_> {
    /// The findings the picture shows, in finding order: those attached to its objects
    /// and edges, and the unattached ones.
    pub fn findings(&self) -> Vec<usize> {
        let g = self.graph;
        let mut v: Vec<usize> = g
            .objects
            .iter()
            .flat_map(|o| o.findings.iter())
            .chain(g.edges.iter().flat_map(|e| e.findings.iter()))
            .chain(g.unattached.iter())
            .copied()
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    pub fn severity(&self, findings: &[usize]) -> Option<Severity> {
        Graph::max_severity(findings, self.diags)
    }

    /// Whether any of these findings is one the change introduces.
    pub fn is_new(&self, findings: &[usize]) -> bool {
        self.introduced.is_some_and(|m| findings.iter().any(|&i| m.get(i).copied().unwrap_or(false)))
    }

    /// `G105 G106` (distinct, sorted), or empty.
    pub fn codes(&self, findings: &[usize]) -> String {
        Graph::codes(findings, self.diags).join(" ")
    }

    /// `path:line` of a finding.
    pub fn location(&self, i: usize) -> String {
        let d = &self.diags[i];
        format!("{}:{}", self.tree.file(d.span.file).path, position(self.tree, d.span).line)
    }
}

/// The lines shown for an object: its label, then its notes (`zfspool, shared`), then
/// the codes and highest severity of its findings.
pub fn object_lines(p: &Picture, o: &Object) -> Vec<String> {
    let mut lines = vec![o.label.clone()];
    if !o.notes.is_empty() {
        lines.push(o.notes.join(", "));
    }
    if let Some(s) = p.severity(&o.findings) {
        let new = if p.is_new(&o.findings) { "new " } else { "" };
        lines.push(format!("{new}{} {}", s.as_str(), p.codes(&o.findings)));
    }
    lines
}

/// The words shown on an edge: its label, `fragile`, the codes of its findings.
pub fn edge_text(p: &Picture, e: &Edge) -> String {
    let mut s = e.label.clone();
    if e.fragile {
        s.push_str(", fragile");
    }
    if let Some(sev) = p.severity(&e.findings) {
        let new = if p.is_new(&e.findings) { "new " } else { "" };
        s.push_str(&format!(", {new}{} {}", sev.as_str(), p.codes(&e.findings)));
    }
    s
}

/// Line weight of an object or edge: 4 when it carries a finding the change introduces,
/// 2 with a finding, else 1.
pub fn weight(p: &Picture, findings: &[usize]) -> u8 {
    if p.is_new(findings) {
        4
    } else if p.severity(findings).is_some() {
        2
    } else {
        1
    }
}

/// Colour of a severity (none: grey).
pub fn colour(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Error) => "#c62828",
        Some(Severity::Warning) => "#e65100",
        Some(Severity::Info) => "#1565c0",
        None => "#607d8b",
    }
}

/// `sev-error`, `sev-warning`, `sev-info` or `sev-none` (CSS classes of the SVG and HTML).
pub fn severity_class(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Error) => "sev-error",
        Some(Severity::Warning) => "sev-warning",
        Some(Severity::Info) => "sev-info",
        None => "sev-none",
    }
}

/// Text for XML and HTML (element content and double-quoted attributes); control
/// characters become spaces.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a quoted Mermaid label: letters, digits and a few safe signs stay, every
/// other character becomes an entity code (`#35;`), so nothing in a value can end the
/// label, start markup or close a Markdown code fence.
pub fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || " .,_-:/=+@()".contains(c) {
            out.push(c);
        } else if c.is_control() {
            out.push(' ');
        } else {
            out.push_str(&format!("#{};", c as u32));
        }
    }
    out
}

/// The body of a Mermaid flowchart of `g` (after the `flowchart LR` line), objects as
/// `n0`, `n1`, … in graph order: shapes by kind, a class per severity, dotted arrows
/// for fragile edges, edge colours by severity. Shared by `--format mermaid` and the
/// Markdown summary.
pub fn mermaid_body(p: &Picture) -> String {
    use pvelint_rules::graph::Kind;
    let g = p.graph;
    let mut s = String::new();
    for (i, o) in g.objects.iter().enumerate() {
        let text: Vec<String> = object_lines(p, o).iter().map(|l| mermaid_escape(l)).collect();
        let text = text.join("<br/>");
        let (open, close) = match o.kind {
            Kind::Storage => ("[(\"", "\")]"),
            Kind::Node => ("[[\"", "\"]]"),
            Kind::Cluster => ("((\"", "\"))"),
            Kind::Job => ("[/\"", "\"/]"),
            Kind::VzdumpConf => (">\"", "\"]"),
            _ => ("[\"", "\"]"),
        };
        let class = severity_class(p.severity(&o.findings)).replace('-', "");
        s.push_str(&format!("  n{i}{open}{text}{close}:::{class}\n"));
    }
    let mut styles = String::new();
    for (k, e) in g.edges.iter().enumerate() {
        let arrow = if e.fragile { "-.->" } else { "-->" };
        s.push_str(&format!("  n{} {arrow}|\"{}\"| n{}\n", e.from, mermaid_escape(&edge_text(p, e)), e.to));
        let sev = p.severity(&e.findings);
        if sev.is_some() || e.fragile {
            let width = if p.is_new(&e.findings) { 4 } else { 2 };
            styles.push_str(&format!("  linkStyle {k} stroke:{},stroke-width:{width}px\n", colour(sev)));
        }
    }
    s.push_str(&styles);
    for sev in [Some(Severity::Error), Some(Severity::Warning), Some(Severity::Info), None] {
        let width = if sev.is_some() { 3 } else { 1 };
        s.push_str(&format!(
            "  classDef {} stroke:{},stroke-width:{width}px\n",
            severity_class(sev).replace('-', ""),
            colour(sev)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_leave_nothing_that_ends_a_label() {
        let hostile = "a\"]; evil[\"x` ``` <script>&#x; \\l\n|-->";
        let m = mermaid_escape(hostile);
        for bad in ['"', '[', ']', '`', '<', '>', '|', '\n', ';'].iter().filter(|c| **c != ';') {
            assert!(!m.contains(*bad), "{bad:?} in {m}");
        }
        // Every ';' ends an entity code.
        assert!(m.split(';').all(|part| part.is_empty()
            || part.rsplit_once('#').is_some_and(|(_, n)| n.parse::<u32>().is_ok())
            || !part.contains('#')));
        let x = xml_escape(hostile);
        assert!(!x.contains('<') && !x.contains('"') && !x.contains('\n'));
    }
}
