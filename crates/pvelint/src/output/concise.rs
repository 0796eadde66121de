//! `concise`: one line per diagnostic, `path:line:col: severity CODE message`. No link:
//! the line stays short (the other formats carry the rule's address).

use super::position;
use pvelint_parse::{Diagnostic, Tree};

/// One line per diagnostic: `path:line:col: severity CODE message`.
pub fn concise(tree: &Tree, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let p = position(tree, d.span);
        out.push_str(&format!(
            "{}:{}:{}: {} {} {}\n",
            tree.file(d.span.file).path,
            p.line,
            p.column,
            d.severity.as_str(),
            d.code,
            d.message
        ));
    }
    out
}
