//! `github`: GitHub Actions workflow commands, which the runner turns into pull-request
//! annotations.

use super::{message_with_help, position, Links};
use pvelint_parse::{Diagnostic, Severity, Tree};

/// Escapes the data part of a workflow command.
pub(super) fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
pub(super) fn gh_escape_property(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub's annotation level for a severity.
pub fn github_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// GitHub Actions workflow commands, one line per diagnostic:
/// `::error file=PATH,line=L,col=C,endLine=L,endColumn=C,title=CODE name::message`.
/// The runner turns them into annotations on the pull request. Labels are listed in the
/// message, one per line, as `PATH:LINE:COL: label`.
pub fn github(tree: &Tree, diags: &[Diagnostic], links: Links) -> String {
    let mut out = String::new();
    for d in diags {
        let p = position(tree, d.span);
        let mut message = message_with_help(d);
        for l in &d.labels {
            let lp = position(tree, l.span);
            message.push_str(&format!("\n{}:{}:{}: {}", tree.file(l.span.file).path, lp.line, lp.column, l.message));
        }
        message.push_str(&format!("\nsee {}", links.url(d.code)));
        out.push_str(&format!(
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            github_level(d.severity),
            gh_escape_property(&tree.file(d.span.file).path),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            gh_escape_property(&format!("{} {}", d.code, d.name)),
            gh_escape_data(&message),
        ));
    }
    out
}
