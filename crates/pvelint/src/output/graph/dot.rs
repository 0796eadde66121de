//! `graph --format dot`: Graphviz. IDs and labels are double-quoted strings with `\`
//! and `"` escaped and control characters dropped, so no value of the tree can end a
//! string, add an attribute or use a Graphviz escape (`\N`, `\l`).

use super::{colour, edge_text, object_lines, weight, Picture};
use pvelint_rules::graph::Kind;

/// A double-quoted DOT string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Lines joined by DOT's centred line break (each line quoted on its own first).
fn label(lines: &[String]) -> String {
    let quoted: Vec<String> = lines.iter().map(|l| quote(l)).collect();
    let inner: Vec<&str> = quoted.iter().map(|q| &q[1..q.len() - 1]).collect();
    format!("\"{}\"", inner.join("\\n"))
}

pub fn dot(p: &Picture) -> String {
    let g = p.graph;
    let mut s = String::from("digraph pvelint {\n  rankdir=LR;\n  node [shape=box, fontname=\"sans-serif\", fontsize=10];\n  edge [fontname=\"sans-serif\", fontsize=9];\n");
    s.push_str(&format!("  label={};\n  labelloc=t;\n", quote(&p.title)));
    for o in &g.objects {
        let shape = match o.kind {
            Kind::Cluster => "doubleoctagon",
            Kind::Node => "box3d",
            Kind::Storage => "cylinder",
            Kind::Guest => "box",
            Kind::Job => "note",
            Kind::VzdumpConf => "folder",
            _ => "ellipse",
        };
        let sev = p.severity(&o.findings);
        let width = weight(p, &o.findings);
        s.push_str(&format!(
            "  {} [label={}, shape={shape}, color=\"{}\", penwidth={width}];\n",
            quote(&o.id()),
            label(&object_lines(p, o)),
            colour(sev)
        ));
    }
    for e in &g.edges {
        let sev = p.severity(&e.findings);
        let style = if e.fragile { "dashed" } else { "solid" };
        let width = weight(p, &e.findings);
        s.push_str(&format!(
            "  {} -> {} [label={}, style={style}, color=\"{}\", penwidth={width}];\n",
            quote(&g.objects[e.from].id()),
            quote(&g.objects[e.to].id()),
            quote(&edge_text(p, e)),
            colour(sev)
        ));
    }
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoting_keeps_values_inside_the_string() {
        assert_eq!(super::quote(r#"a"b\l"#), r#""a\"b\\l""#);
        assert_eq!(super::quote("x\ny"), "\"x y\"");
    }
}
