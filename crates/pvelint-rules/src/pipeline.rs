//! The lint pipeline, for every front end (the CLI, what-if, tests, benchmarks): a parsed
//! tree in, its findings out, with the syntax codes and rules the caller enables, secrets
//! masked in every message, sorted and without repeats. What the tree is beyond its
//! files (the local node, whether it lies in a git work tree, the node facts) travels in
//! the tree as inputs of the rules; output and configuration stay with the caller.

use crate::context::Context;
use crate::registry::{self, RuleMeta};
use crate::scenario::Scenario;
use pvelint_parse::{Diagnostic, Tree};

/// Runs the enabled syntax codes and rules on a parsed (possibly changed) tree. The
/// findings come back in [`sort`] order, each once.
pub fn lint(tree: &Tree, enabled: &dyn Fn(&RuleMeta) -> bool) -> Vec<Diagnostic> {
    lint_scenario(tree, &crate::scenario::NONE, enabled)
}

/// [`lint`] of a tree that what-if changed, with what the change moved and removed.
pub fn lint_scenario(tree: &Tree, scenario: &Scenario, enabled: &dyn Fn(&RuleMeta) -> bool) -> Vec<Diagnostic> {
    let mut diags: Vec<Diagnostic> =
        tree.diagnostics.iter().filter(|d| registry::find(d.code).is_some_and(|m| enabled(&m))).cloned().collect();
    let ctx = Context::with_scenario(tree, scenario);
    diags.extend(registry::run(&ctx, enabled));
    // No message may quote the value of a sensitive line (a password written into
    // storage.cfg, a cloud-init password hash); the full format masks its snippets too.
    let secrets: Vec<String> =
        tree.files.iter().flat_map(|f| pvelint_parse::secrets::sensitive_values(&f.text)).collect();
    if !secrets.is_empty() {
        diags.iter_mut().for_each(|d| pvelint_parse::secrets::scrub(d, &secrets));
    }
    drop_fixes_touching_secrets(tree, &mut diags, &secrets);
    sort(tree, &mut diags);
    diags.dedup();
    diags
}

/// No fix may show or move a secret: a fix whose edits touch a line with a sensitive
/// value, or whose replacement, message or command quotes one, is not offered (a diff
/// would print the line, a command the value).
fn drop_fixes_touching_secrets(tree: &Tree, diags: &mut [Diagnostic], secrets: &[String]) {
    // The masked text of each file that a fix edits, computed once per file.
    let mut masked: std::collections::HashMap<pvelint_parse::FileId, std::borrow::Cow<'_, str>> =
        std::collections::HashMap::new();
    for d in diags.iter_mut() {
        let Some(fix) = &d.fix else { continue };
        let quotes = |s: &str| secrets.iter().any(|v| s.contains(v.as_str()));
        let mut touches = quotes(&fix.message) || fix.command.as_deref().is_some_and(quotes);
        for e in &fix.edits {
            let f = tree.file(e.span.file);
            let m = masked.entry(f.id).or_insert_with(|| pvelint_parse::secrets::redact(&f.text));
            let lines = pvelint_parse::Span {
                start: f.line_span(e.span.start).start,
                end: f.line_span(e.span.end).end,
                ..e.span
            };
            touches |= quotes(&e.replacement) || m[lines.range()] != f.text[lines.range()];
        }
        if touches {
            d.fix = None;
        }
    }
}

/// Sorts findings by path, position (start, then end), code, then message: the output
/// order depends on neither the order files were listed nor the order rules ran. Byte
/// offsets order a file's positions as lines and columns do.
pub fn sort(tree: &Tree, diags: &mut [Diagnostic]) {
    // Keys are computed once per finding, not once per comparison: a file's rank in path
    // order (equal paths, equal ranks) and the span.
    let mut by_path: Vec<usize> = (0..tree.files.len()).collect();
    by_path.sort_by(|&a, &b| tree.files[a].path.cmp(&tree.files[b].path));
    let mut rank = vec![0usize; tree.files.len()];
    for (i, w) in by_path.iter().enumerate() {
        let same = i > 0 && tree.files[by_path[i - 1]].path == tree.files[*w].path;
        rank[*w] = if same { rank[by_path[i - 1]] } else { i };
    }
    let keys: Vec<(usize, u32, u32)> =
        diags.iter().map(|d| (rank[d.span.file.0 as usize], d.span.start, d.span.end)).collect();
    let mut order: Vec<usize> = (0..diags.len()).collect();
    order.sort_by(|&a, &b| {
        (keys[a], diags[a].code, &diags[a].message).cmp(&(keys[b], diags[b].code, &diags[b].message))
    });
    // Apply the permutation in place, one cycle at a time: slot k receives the finding
    // that was at order[k].
    let mut done = vec![false; diags.len()];
    for start in 0..diags.len() {
        let mut k = start;
        while !done[k] {
            done[k] = true;
            let src = order[k];
            if src == start {
                break;
            }
            diags.swap(k, src);
            k = src;
        }
    }
}
