//! `json`: the stable contract (version 1), pretty-printed. Each diagnostic carries the
//! address of its rule's document (`url`, added in 0.2.0; additive to version 1) and,
//! when it has one that the run would apply, its `fix` (0.2.0, additive).

use super::{JsonDiag, Links, Summary};
use pvelint_parse::{Diagnostic, Tree};
use serde::Serialize;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    diagnostics: Vec<JsonDiag<'a>>,
    /// What-if only: the findings a change resolves.
    #[serde(skip_serializing_if = "Option::is_none")]
    resolved: Option<Vec<JsonDiag<'a>>>,
    summary: Summary,
}

/// The JSON contract (version 1), pretty-printed, with a final newline.
pub fn json(tree: &Tree, diags: &[Diagnostic], links: Links) -> String {
    json_report(tree, diags, None, links)
}

/// The JSON contract with the `resolved` array of what-if.
pub fn json_whatif(tree: &Tree, introduced: &[Diagnostic], resolved: &[Diagnostic], links: Links) -> String {
    json_report(tree, introduced, Some(resolved), links)
}

fn json_report(tree: &Tree, diags: &[Diagnostic], resolved: Option<&[Diagnostic]>, links: Links) -> String {
    let report = JsonReport {
        version: 1,
        diagnostics: json_diags(tree, diags, links),
        resolved: resolved.map(|r| json_diags(tree, r, links)),
        summary: Summary::of(tree, diags),
    };
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn json_diags<'a>(tree: &'a Tree, diags: &'a [Diagnostic], links: Links) -> Vec<JsonDiag<'a>> {
    diags.iter().map(|d| JsonDiag::of(tree, d, links)).collect()
}
