//! The pvelint command line: parse arguments → discover and read the tree (`discover`) →
//! load (`pvelint_parse::load`) → lint (`pvelint_rules::pipeline`) → configuration
//! (`config`: ignores, severities) → output (`output`). All file-system access and all
//! rendering are in this crate.

pub mod baseline;
pub mod cli;
pub mod config;
pub mod discover;
pub mod facts;
pub mod fingerprint;
pub mod fixes;
pub mod gen;
pub mod output;
pub mod whatif;

use pvelint_parse::{Diagnostic, Tree, TreeInput};
use pvelint_rules::RuleMeta;

/// Parses a tree and runs the rules `enabled` accepts, syntax codes included. The
/// diagnostics come back sorted.
pub fn lint(input: TreeInput, enabled: impl Fn(&RuleMeta) -> bool) -> (Tree, Vec<Diagnostic>) {
    let tree = pvelint_parse::load(input);
    let diags = lint_tree(&tree, &enabled);
    (tree, diags)
}

/// Runs the enabled syntax codes and rules on a parsed (possibly changed) tree:
/// [`pvelint_rules::pipeline::lint`].
pub fn lint_tree(tree: &Tree, enabled: &dyn Fn(&RuleMeta) -> bool) -> Vec<Diagnostic> {
    pvelint_rules::pipeline::lint(tree, enabled)
}
