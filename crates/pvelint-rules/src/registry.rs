//! The rule registry: every rule, in code order, with its metadata and document.

use crate::context::Context;
use pvelint_parse::{syntax, Diagnostic, Severity};

/// What `pvelint rule --all` lists about a rule.
#[derive(Clone, Copy, Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    /// kebab-case name of the problem.
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The rule's document, `rules/<CODE>.md`.
    pub doc: &'static str,
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>);
}

/// Embeds `rules/<CODE>.md`.
#[macro_export]
macro_rules! rule_doc {
    ($code:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules/", $code, ".md"))
    };
}

/// Every cross-file rule. One line per rule.
pub static RULES: &[&dyn Rule] = &[];

/// Documents of the syntax codes (`P…`), which the parser emits.
pub static SYNTAX_DOCS: &[(&str, &str)] = &[];

/// Metadata of every code: syntax codes first, then rules.
pub fn all_meta() -> Vec<RuleMeta> {
    let mut out: Vec<RuleMeta> = syntax::ALL
        .iter()
        .map(|c| RuleMeta {
            code: c.code,
            name: c.name,
            severity: c.severity,
            summary: c.summary,
            doc: SYNTAX_DOCS.iter().find(|(code, _)| *code == c.code).map_or("", |(_, d)| d),
        })
        .collect();
    out.extend(RULES.iter().map(|r| *r.meta()));
    out
}

/// Finds a code by code (`P001`) or name.
pub fn find(code_or_name: &str) -> Option<RuleMeta> {
    all_meta().into_iter().find(|m| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}

/// Runs the rules whose code `enabled` accepts and returns their diagnostics.
pub fn run(ctx: &Context, enabled: impl Fn(&RuleMeta) -> bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in RULES {
        if enabled(rule.meta()) {
            rule.check(ctx, &mut out);
        }
    }
    out
}
