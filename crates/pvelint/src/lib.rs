//! The pvelint command line: finds and reads the tree (the only I/O), runs the parser
//! and the rules, renders diagnostics (the only rendering).

pub mod cli;
pub mod discover;
pub mod render;

use pvelint_parse::{Diagnostic, Tree, TreeInput};
use pvelint_rules::{Context, RuleMeta};

/// Parses a tree and runs the rules `enabled` accepts, syntax codes included. The
/// diagnostics come back sorted.
pub fn lint(input: TreeInput, enabled: impl Fn(&RuleMeta) -> bool) -> (Tree, Vec<Diagnostic>) {
    let tree = pvelint_parse::load(input);
    let mut diags: Vec<Diagnostic> = Vec::new();
    for d in &tree.diagnostics {
        if let Some(meta) = pvelint_rules::find(d.code) {
            if enabled(&meta) {
                diags.push(d.clone());
            }
        }
    }
    let ctx = Context::new(&tree);
    diags.extend(pvelint_rules::run(&ctx, &enabled));
    render::sort(&tree, &mut diags);
    diags.dedup();
    (tree, diags)
}
