//! The pvelint command line: finds and reads the tree (the only I/O), runs the parser
//! and the rules, renders diagnostics (the only rendering).

pub mod baseline;
pub mod cli;
pub mod config;
pub mod discover;
pub mod facts;
pub mod fingerprint;
pub mod gen;
pub mod output;
pub mod whatif;

use pvelint_parse::{Diagnostic, Tree, TreeInput};
use pvelint_rules::{Context, RuleMeta};

/// Parses a tree and runs the rules `enabled` accepts, syntax codes included. The
/// diagnostics come back sorted.
pub fn lint(input: TreeInput, enabled: impl Fn(&RuleMeta) -> bool) -> (Tree, Vec<Diagnostic>) {
    let tree = pvelint_parse::load(input);
    let diags = lint_tree(&tree, &enabled);
    (tree, diags)
}

/// Runs the enabled syntax codes and rules on a parsed (possibly changed) tree.
pub fn lint_tree(tree: &Tree, enabled: &dyn Fn(&RuleMeta) -> bool) -> Vec<Diagnostic> {
    let mut diags: Vec<Diagnostic> =
        tree.diagnostics.iter().filter(|d| pvelint_rules::find(d.code).is_some_and(|m| enabled(&m))).cloned().collect();
    let ctx = Context::new(tree);
    diags.extend(pvelint_rules::run(&ctx, enabled));
    // No message may quote the value of a sensitive line (a password written into
    // storage.cfg, a cloud-init password hash); the full format masks its snippets too.
    let secrets: Vec<String> =
        tree.files.iter().flat_map(|f| pvelint_parse::secrets::sensitive_values(&f.text)).collect();
    if !secrets.is_empty() {
        diags.iter_mut().for_each(|d| pvelint_parse::secrets::scrub(d, &secrets));
    }
    output::sort(tree, &mut diags);
    diags.dedup();
    diags
}
