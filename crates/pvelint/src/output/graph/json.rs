//! `graph --format json`: the graph contract (`"format": "pvelint-graph"`, version 1,
//! docs/graph-json.md): objects, edges, the findings they carry and the counts by code.

use super::super::JsonDiag;
use super::Picture;
use serde::Serialize;
use std::collections::BTreeMap;

/// The version of the graph contract. Additions keep it; a change of meaning bumps it.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonObject<'a> {
    id: String,
    kind: &'static str,
    key: &'a str,
    label: &'a str,
    notes: &'a [String],
    /// Indexes in `findings`.
    findings: Vec<usize>,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    from: String,
    to: String,
    kind: &'static str,
    label: &'a str,
    fragile: bool,
    findings: Vec<usize>,
}

/// A finding: the fields of `check --format json`'s diagnostics, and where it is drawn.
#[derive(Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    diag: JsonDiag<'a>,
    /// The object it is attached to (`guest:106`), or `null`.
    object: Option<String>,
    /// The index in `edges` of the edge it is attached to, or `null`.
    edge: Option<usize>,
    /// What-if only: whether the change introduces it.
    #[serde(skip_serializing_if = "Option::is_none")]
    introduced: Option<bool>,
}

#[derive(Serialize)]
struct JsonCode<'a> {
    name: &'a str,
    count: usize,
    url: String,
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    format: &'static str,
    version: u32,
    title: &'a str,
    /// The objects a `--focus` started from (empty: the whole tree).
    focus: Vec<String>,
    objects: Vec<JsonObject<'a>>,
    edges: Vec<JsonEdge<'a>>,
    findings: Vec<JsonFinding<'a>>,
    codes: BTreeMap<&'a str, JsonCode<'a>>,
}

pub fn json(p: &Picture) -> String {
    let g = p.graph;
    let shown = p.findings();
    let at: BTreeMap<usize, usize> = shown.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let local = |f: &[usize]| -> Vec<usize> { f.iter().filter_map(|i| at.get(i).copied()).collect() };
    let mut object_of: BTreeMap<usize, String> = BTreeMap::new();
    let mut edge_of: BTreeMap<usize, usize> = BTreeMap::new();
    for o in &g.objects {
        for &f in &o.findings {
            object_of.insert(f, o.id());
        }
    }
    for (k, e) in g.edges.iter().enumerate() {
        for &f in &e.findings {
            edge_of.insert(f, k);
        }
    }
    let mut codes: BTreeMap<&str, JsonCode> = BTreeMap::new();
    let findings = shown
        .iter()
        .map(|&i| {
            let d = &p.diags[i];
            codes
                .entry(d.code)
                .or_insert_with(|| JsonCode { name: d.name, count: 0, url: p.links.url(d.code) })
                .count += 1;
            JsonFinding {
                diag: JsonDiag::of(p.tree, d, p.links),
                object: object_of.get(&i).cloned(),
                edge: edge_of.get(&i).copied(),
                introduced: p.introduced.map(|m| m.get(i).copied().unwrap_or(false)),
            }
        })
        .collect();
    let out = JsonGraph {
        format: "pvelint-graph",
        version: VERSION,
        title: &p.title,
        focus: g.focus.iter().map(|&f| g.objects[f].id()).collect(),
        objects: g
            .objects
            .iter()
            .map(|o| JsonObject {
                id: o.id(),
                kind: o.kind.as_str(),
                key: &o.key,
                label: &o.label,
                notes: &o.notes,
                findings: local(&o.findings),
            })
            .collect(),
        edges: g
            .edges
            .iter()
            .map(|e| JsonEdge {
                from: g.objects[e.from].id(),
                to: g.objects[e.to].id(),
                kind: e.kind.as_str(),
                label: &e.label,
                fragile: e.fragile,
                findings: local(&e.findings),
            })
            .collect(),
        findings,
        codes,
    };
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}
