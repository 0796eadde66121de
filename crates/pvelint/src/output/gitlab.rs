//! `gitlab`: a GitLab Code Quality report.

use super::{position, Links};
use crate::fingerprint;
use pvelint_parse::{Diagnostic, Severity, Tree};
use serde::Serialize;

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
pub fn gitlab(tree: &Tree, diags: &[Diagnostic], links: Links) -> String {
    let fps = fingerprint::fingerprints(tree, diags);
    let issues: Vec<GlIssue> = diags
        .iter()
        .zip(fps)
        .map(|(d, fp)| {
            let p = position(tree, d.span);
            GlIssue {
                kind: "issue",
                description: format!("{} {}: {} ({})", d.code, d.name, d.message, links.url(d.code)),
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
