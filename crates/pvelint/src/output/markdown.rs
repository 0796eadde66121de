//! `markdown`: a summary for pull requests (GitHub job summaries through
//! `$GITHUB_STEP_SUMMARY`, GitLab merge request notes): counts by severity and code,
//! the findings grouped by file with their lines and rule links, and a Mermaid graph
//! of the objects the findings touch, capped at [`MAX_OBJECTS`] ("and N more"). Every
//! value from the tree is escaped (Markdown punctuation, mentions, line breaks).

use super::graph::{mermaid_body, Picture};
use super::{position, Links, Summary};
use pvelint_parse::{Diagnostic, Severity, Tree};
use std::collections::BTreeMap;

/// The most objects the summary's Mermaid graph shows.
pub const MAX_OBJECTS: usize = 30;

/// Backslash before every ASCII punctuation sign Markdown could read (emphasis, links,
/// HTML, tables, headings, `@` mentions, `#` references); line breaks become spaces.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\`*_{}[]()<>#+!|~@&$:".contains(c) {
            out.push('\\');
            out.push(c);
        } else if c.is_control() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

pub fn markdown(tree: &Tree, diags: &[Diagnostic], links: Links) -> String {
    report(tree, diags, None, links)
}

/// What-if: the plan, the findings the change introduces (with the picture of what they
/// touch) and the number it resolves.
pub fn markdown_whatif(
    plan: &str,
    tree: &Tree,
    introduced: &[Diagnostic],
    resolved: &[Diagnostic],
    links: Links,
) -> String {
    report(tree, introduced, Some((plan, resolved.len())), links)
}

fn report(tree: &Tree, diags: &[Diagnostic], whatif: Option<(&str, usize)>, links: Links) -> String {
    let sum = Summary::of(tree, diags);
    let plural = pvelint_parse::text::count;
    let mut s = String::from("## pvelint\n\n");
    if let Some((plan, resolved)) = whatif {
        for line in plan.lines() {
            s.push_str(&format!("> {}\n", escape(line.trim())));
        }
        s.push_str(&format!("\nThe change resolves {}.\n\n", plural(resolved, "finding")));
    }
    s.push_str(&format!(
        "**{}**, **{}**, **{}** in {} checked.\n\n",
        plural(sum.errors, "error"),
        plural(sum.warnings, "warning"),
        plural(sum.infos, "info"),
        plural(sum.files, "file")
    ));
    if diags.is_empty() {
        s.push_str("No findings.\n");
        return s;
    }
    let mut by_code: BTreeMap<&str, (&str, Severity, usize)> = BTreeMap::new();
    for d in diags {
        by_code.entry(d.code).or_insert((d.name, d.severity, 0)).2 += 1;
    }
    s.push_str("| code | rule | severity | findings |\n| --- | --- | --- | ---: |\n");
    for (code, (name, sev, n)) in &by_code {
        s.push_str(&format!("| [{code}]({}) | {} | {} | {n} |\n", links.url(code), escape(name), sev.as_str()));
    }
    s.push_str("\n### Findings by file\n");
    let mut by_file: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in diags {
        by_file.entry(&tree.file(d.span.file).path).or_default().push(d);
    }
    for (path, ds) in &by_file {
        s.push_str(&format!("\n**{}**\n\n", escape(path)));
        for d in ds {
            let pos = position(tree, d.span);
            s.push_str(&format!(
                "- line {}: {} [{}]({}) {}\n",
                pos.line,
                d.severity.as_str(),
                d.code,
                links.url(d.code),
                escape(&d.message)
            ));
        }
    }
    s.push_str(&mermaid_section(tree, diags, links));
    s
}

/// How many of the objects the findings touch (the most severe first) the summary's
/// graph starts from.
const STARTS: usize = 8;

/// The Mermaid graph of what the findings touch: what is within reach
/// ([`pvelint_rules::graph::Graph::focus`]) of the [`STARTS`] objects with the most
/// severe findings (an edge's finding touches both its ends), the objects carrying
/// findings first, at most [`MAX_OBJECTS`]; the objects the findings touch that it
/// leaves out are counted.
fn mermaid_section(tree: &Tree, diags: &[Diagnostic], links: Links) -> String {
    use pvelint_rules::graph::Graph;
    let ctx = pvelint_rules::Context::new(tree);
    let mut full = pvelint_rules::graph::build(&ctx);
    full.attach(diags);
    let mut touched = full.touched();
    if touched.is_empty() {
        return String::new();
    }
    // The highest severity touching each object, from one pass over the edges.
    let mut sev: Vec<Option<Severity>> = full.objects.iter().map(|o| Graph::max_severity(&o.findings, diags)).collect();
    for e in full.edges.iter().filter(|e| !e.findings.is_empty()) {
        let s = Graph::max_severity(&e.findings, diags);
        sev[e.from] = sev[e.from].max(s);
        sev[e.to] = sev[e.to].max(s);
    }
    let mut ranked: Vec<(std::cmp::Reverse<Option<Severity>>, usize)> =
        touched.iter().map(|&o| (std::cmp::Reverse(sev[o]), o)).collect();
    ranked.sort();
    let starts: Vec<usize> = ranked.iter().take(STARTS).map(|&(_, o)| o).collect();
    let near = full.reach(&ctx, &starts, false);
    let mut order: Vec<usize> = (0..near.objects.len()).collect();
    let carries = near.touched();
    order.sort_by_key(|o| (carries.binary_search(o).is_err(), *o));
    order.truncate(MAX_OBJECTS);
    let g = near.restrict(&order);
    let shown: std::collections::HashSet<String> = g.objects.iter().map(|o| o.id()).collect();
    touched.retain(|&o| !shown.contains(&full.objects[o].id()));
    let p = Picture { tree, graph: &g, diags, introduced: None, links, title: String::new() };
    let mut s = String::from("\n### What the findings touch\n\n```mermaid\nflowchart LR\n");
    s.push_str(&mermaid_body(&p));
    s.push_str("```\n");
    if !touched.is_empty() {
        s.push_str(&format!(
            "\nand {} more that findings touch (`pvelint graph --focus KIND:ID` draws them).\n",
            plural_objects(touched.len())
        ));
    }
    s
}

fn plural_objects(n: usize) -> String {
    pvelint_parse::text::count(n, "object")
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_cannot_make_markup_mentions_or_lines() {
        let e = super::escape("[x](javascript:1) <img> @team #12 `code` *b* |\n## h");
        assert_eq!(e, "\\[x\\]\\(javascript\\:1\\) \\<img\\> \\@team \\#12 \\`code\\` \\*b\\* \\| \\#\\# h");
    }
}
