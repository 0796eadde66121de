//! `json`: the stable contract (version 1), pretty-printed. Each diagnostic carries the
//! address of its rule's document (`url`, added in 0.2.0; additive to version 1) and,
//! when it has one that the run would apply, its `fix` (0.2.0, additive).

use super::{position, Links, Summary};
use pvelint_parse::{Diagnostic, Tree};
use serde::Serialize;

#[derive(Serialize)]
struct JsonLabel<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonDiag<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    labels: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
    /// The rule's document.
    url: String,
    /// The automatic fix (safe ones; unsafe ones too with `--unsafe-fixes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: &'a str,
    message: &'a str,
    edits: Vec<JsonEdit<'a>>,
    /// The Proxmox command line that applies the fix on a live cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    path: &'a str,
    /// Byte offsets in the file, end exclusive.
    start: u32,
    end: u32,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    replacement: &'a str,
}

fn json_fix<'a>(tree: &'a Tree, fix: &'a pvelint_parse::Fix) -> JsonFix<'a> {
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
    diags
        .iter()
        .map(|d| {
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
                fix: d.fix.as_ref().map(|f| json_fix(tree, f)),
            }
        })
        .collect()
}
