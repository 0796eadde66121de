//! `graph --format svg`: the picture laid out by pvelint itself ([`super::layout`]), no
//! external program. Objects are boxes in columns by kind, edges curves between them;
//! findings colour them by severity (codes written on them), fragile edges are dashed,
//! findings a what-if change introduces are drawn thicker. Every text is escaped.

use super::layout::{self, Layout, BOX_W, COLUMN_TITLES, COL_W, MARGIN, ROW_H, TOP};
use pvelint_rules::graph::EdgeKind;

use super::{colour, edge_text, object_lines, severity_class, weight, xml_escape, Picture};

/// Longest text on a box, in characters (the whole text is in the box's tooltip).
const MAX_CHARS: usize = 36;
const BOX_H: f64 = ROW_H - 14.0;

fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_CHARS {
        return s.to_string();
    }
    let mut t: String = s.chars().take(MAX_CHARS - 1).collect();
    t.push('…');
    t
}

/// A standalone SVG document.
pub fn svg(p: &Picture) -> String {
    let l = layout::layered(p.graph);
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}", draw(p, &l, true))
}

/// The `<svg>` element of a picture; `standalone` adds the XML namespace (an SVG inside
/// HTML needs none, and the HTML report names no address at all).
pub fn draw(p: &Picture, l: &Layout, standalone: bool) -> String {
    let g = p.graph;
    let mut s = String::new();
    let ns = if standalone { " xmlns=\"http://www.w3.org/2000/svg\"" } else { "" };
    s.push_str(&format!(
        "<svg{ns} id=\"graph\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n",
        w = l.width,
        h = l.height
    ));
    s.push_str(&format!(
        "<text x=\"{MARGIN}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{}</text>\n",
        xml_escape(&p.title)
    ));
    for (c, t) in COLUMN_TITLES.iter().enumerate() {
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" fill=\"#455a64\" font-weight=\"bold\">{t}</text>\n",
            MARGIN + c as f64 * COL_W,
            TOP - 14.0
        ));
    }
    // Edges first, boxes over them, edge labels last.
    let mut labels = String::new();
    for e in &g.edges {
        let (fx, fy) = l.at(e.from);
        let (tx, ty) = l.at(e.to);
        let (fc, tc) = (l.cell[e.from].0, l.cell[e.to].0);
        let (x1, x2) = if fc < tc {
            (fx + BOX_W, tx)
        } else if fc > tc {
            (fx, tx + BOX_W)
        } else {
            (fx + BOX_W, tx + BOX_W)
        };
        let (y1, y2) = (fy + BOX_H / 2.0, ty + BOX_H / 2.0);
        let bend = if fc == tc { 60.0 } else { (x2 - x1) / 2.0 };
        let (c1, c2) = if fc == tc { (x1 + bend, x2 + bend) } else { (x1 + bend, x2 - bend) };
        let sev = p.severity(&e.findings);
        let new = p.is_new(&e.findings);
        let width = weight(p, &e.findings);
        let dash = if e.fragile { " stroke-dasharray=\"6 4\"" } else { "" };
        let text = edge_text(p, e);
        // The label sits on the curve in the middle of the gap next to the source (never
        // under a box of a column the edge crosses), over a white halo; `on` and `of`
        // edges without findings carry none (the columns say it).
        let gap = (COL_W - BOX_W) / 2.0;
        let lx = if x2 < x1 { x1 - gap } else { x1 + gap };
        let t = if x2 == x1 { 0.5 } else { ((lx - x1) / (x2 - x1)).clamp(0.0, 1.0) };
        let ly = y1 + (y2 - y1) * t * t * (3.0 - 2.0 * t) - 2.0;
        let quiet = matches!(e.kind, EdgeKind::On | EdgeKind::Of) && e.findings.is_empty();
        let shown = if quiet { String::new() } else { clip(&text) };
        let class = format!(
            "edge {}{}{}",
            severity_class(sev),
            if e.fragile { " fragile" } else { "" },
            if new { " new" } else { "" }
        );
        let (from, to) = (xml_escape(&g.objects[e.from].id()), xml_escape(&g.objects[e.to].id()));
        s.push_str(&format!(
            "<g class=\"{class}\" data-from=\"{from}\" data-to=\"{to}\"><title>{}</title><path d=\"M{x1} {y1} C{c1} {y1} {c2} {y2} {x2} {y2}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{width}\"{dash}/></g>\n",
            xml_escape(&format!("{} → {}: {text}", g.objects[e.from].id(), g.objects[e.to].id())),
            colour(sev),
        ));
        // Labels go over the boxes (drawn last), in groups the HTML filter hides with
        // their edge.
        if !shown.is_empty() {
            labels.push_str(&format!(
                "<g class=\"{class} label\" data-from=\"{from}\" data-to=\"{to}\"><text x=\"{lx:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\" paint-order=\"stroke\" stroke=\"#ffffff\" stroke-width=\"3\" font-size=\"10\" fill=\"{}\">{}</text></g>\n",
                colour(sev),
                xml_escape(&shown)
            ));
        }
    }
    for (i, o) in g.objects.iter().enumerate() {
        let (x, y) = l.at(i);
        let sev = p.severity(&o.findings);
        let new = p.is_new(&o.findings);
        let width = weight(p, &o.findings);
        let lines = object_lines(p, o);
        let focus = if g.focus.contains(&i) { " focus" } else { "" };
        s.push_str(&format!(
            "<g class=\"obj kind-{} {}{}{focus}\" data-id=\"{}\" data-hub=\"{}\"><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"5\" fill=\"{}\" stroke=\"{}\" stroke-width=\"{width}\"/>",
            o.kind.as_str(),
            severity_class(sev),
            if new { " new" } else { "" },
            xml_escape(&o.id()),
            u8::from(o.kind.is_hub()),
            xml_escape(&lines.join("\n")),
            if focus.is_empty() { "#ffffff" } else { "#fff8e1" },
            colour(sev),
        ));
        for (k, line) in lines.iter().take(3).enumerate() {
            let weight = if k == 0 { " font-weight=\"bold\"" } else { "" };
            let fill = if k == 2 { colour(sev) } else { "#263238" };
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" fill=\"{fill}\"{weight} font-size=\"{}\">{}</text>",
                x + 6.0,
                y + 14.0 + k as f64 * 13.0,
                if k == 0 { 12 } else { 10 },
                xml_escape(&clip(line))
            ));
        }
        s.push_str("</g>\n");
    }
    s.push_str(&labels);
    s.push_str("</svg>\n");
    s
}
