//! `graph --format html` (also `check --format html` and `what-if --format html`): one
//! self-contained page, the SVG of [`super::svg::draw`], the findings beside it, and
//! filtering by node or storage (inline CSS and JavaScript). The page names no address
//! and its Content-Security-Policy forbids every load from the network.

use super::{layout, severity_class, svg, xml_escape, Picture};
use pvelint_rules::graph::{Graph, Kind};

const STYLE: &str = "body{font-family:sans-serif;margin:0;color:#263238}
header{padding:8px 16px;background:#eceff1;border-bottom:1px solid #cfd8dc}
header h1{font-size:18px;margin:4px 0}
header label{margin-right:12px}
main{display:flex;align-items:flex-start}
#picture{flex:1 1 auto;overflow:auto;max-height:calc(100vh - 110px)}
aside{flex:0 0 360px;overflow:auto;max-height:calc(100vh - 110px);border-left:1px solid #cfd8dc;padding:0 8px}
table{border-collapse:collapse;font-size:12px}
td{border-bottom:1px solid #eceff1;padding:3px 4px;vertical-align:top}
tr.sev-error td:first-child{color:#c62828;font-weight:bold}
tr.sev-warning td:first-child{color:#e65100;font-weight:bold}
tr.sev-info td:first-child{color:#1565c0}
tr.new td:first-child::after{content:' (new)'}
.hidden{display:none}
g.obj{cursor:pointer}
";

const SCRIPT: &str = r#"(function () {
  var objs = Array.prototype.slice.call(document.querySelectorAll('g.obj'));
  var edges = Array.prototype.slice.call(document.querySelectorAll('g.edge'));
  var rows = Array.prototype.slice.call(document.querySelectorAll('#findings tbody tr'));
  var hub = {}, adj = {};
  objs.forEach(function (o) { var id = o.getAttribute('data-id'); hub[id] = o.getAttribute('data-hub') === '1'; adj[id] = []; });
  edges.forEach(function (e) {
    var f = e.getAttribute('data-from'), t = e.getAttribute('data-to');
    if (adj[f] && adj[t]) { adj[f].push(t); adj[t].push(f); }
  });
  /* Within reach: the chosen object, its neighbours, and on through objects that are not hubs
     (guests, vzdump.conf files, replication jobs, HA resources), as `pvelint graph --focus`. */
  function reach(start) {
    var kept = {}, done = {}, queue = [start];
    kept[start] = true; done[start] = true;
    while (queue.length) {
      var o = queue.pop();
      (adj[o] || []).forEach(function (x) {
        kept[x] = true;
        if (!done[x] && !hub[x]) { done[x] = true; queue.push(x); }
      });
    }
    return kept;
  }
  function show(kept) {
    var n = 0;
    objs.forEach(function (o) { var on = !kept || kept[o.getAttribute('data-id')]; o.classList.toggle('hidden', !on); if (on) { n++; } });
    edges.forEach(function (e) { var on = !kept || (kept[e.getAttribute('data-from')] && kept[e.getAttribute('data-to')]); e.classList.toggle('hidden', !on); });
    var m = 0;
    rows.forEach(function (r) {
      var ids = (r.getAttribute('data-objs') || '').split(' ');
      var on = !kept || ids.some(function (i) { return kept[i]; });
      r.classList.toggle('hidden', !on); if (on) { m++; }
    });
    document.getElementById('f-status').textContent = kept ? n + ' objects, ' + m + ' findings shown' : '';
  }
  var selects = ['f-node', 'f-storage'].map(function (id) { return document.getElementById(id); });
  selects.forEach(function (s) {
    s.addEventListener('change', function () {
      selects.forEach(function (o) { if (o !== s) { o.value = ''; } });
      show(s.value ? reach(s.value) : null);
    });
  });
  document.getElementById('f-reset').addEventListener('click', function () {
    selects.forEach(function (o) { o.value = ''; });
    show(null);
  });
})();
"#;

fn options(g: &Graph, kind: Kind) -> String {
    let mut s = String::from("<option value=\"\">all</option>");
    for o in g.objects.iter().filter(|o| o.kind == kind) {
        s.push_str(&format!("<option value=\"{}\">{}</option>", xml_escape(&o.id()), xml_escape(&o.key)));
    }
    s
}

pub fn html(p: &Picture) -> String {
    let g = p.graph;
    let l = layout::layered(g);
    let shown = p.findings();
    let mut ids: Vec<Vec<String>> = vec![Vec::new(); p.diags.len()];
    for o in &g.objects {
        for &f in &o.findings {
            ids[f].push(o.id());
        }
    }
    for e in &g.edges {
        for &f in &e.findings {
            ids[f].extend([g.objects[e.from].id(), g.objects[e.to].id()]);
        }
    }
    let count = |s: pvelint_parse::Severity| shown.iter().filter(|&&i| p.diags[i].severity == s).count();
    let mut rows = String::new();
    for &i in &shown {
        let d = &p.diags[i];
        let new = p.introduced.is_some_and(|m| m.get(i).copied().unwrap_or(false));
        rows.push_str(&format!(
            "<tr class=\"{}{}\" data-objs=\"{}\"><td>{}</td><td title=\"{}\">{}</td><td>{}</td><td>{}</td></tr>\n",
            severity_class(Some(d.severity)),
            if new { " new" } else { "" },
            xml_escape(&ids[i].join(" ")),
            d.severity.as_str(),
            xml_escape(d.name),
            d.code,
            xml_escape(&p.location(i)),
            xml_escape(&d.message),
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n<title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n<p>{objects}, {edges}; findings: {e}, {w}, {n}. Dashed edges are fragile (a volume in backups, or a vzdump path, on a storage tied to one node).</p>\n<label>Node <select id=\"f-node\">{nodes}</select></label>\n<label>Storage <select id=\"f-storage\">{storages}</select></label>\n<button id=\"f-reset\" type=\"button\">Show all</button> <span id=\"f-status\"></span>\n</header>\n<main>\n<div id=\"picture\">\n{svg}</div>\n<aside>\n<h2>Findings</h2>\n<table id=\"findings\"><thead><tr><th>severity</th><th>code</th><th>where</th><th>message</th></tr></thead>\n<tbody>\n{rows}</tbody></table>\n</aside>\n</main>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        title = xml_escape(&p.title),
        objects = pvelint_parse::text::count(g.objects.len(), "object"),
        edges = pvelint_parse::text::count(g.edges.len(), "edge"),
        e = pvelint_parse::text::count(count(pvelint_parse::Severity::Error), "error"),
        w = pvelint_parse::text::count(count(pvelint_parse::Severity::Warning), "warning"),
        n = pvelint_parse::text::count(count(pvelint_parse::Severity::Info), "info"),
        nodes = options(g, Kind::Node),
        storages = options(g, Kind::Storage),
        svg = svg::draw(p, &l, false),
    )
}
