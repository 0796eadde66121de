//! `--format commands`: for each finding with a fix, the Proxmox command line that makes
//! the same change on the live cluster, after a comment that names the finding. Nothing
//! is run. Words are shell-quoted by the rule (`pvelint_rules::fix::shell_quote`); every
//! text from the tree that reaches a comment has its control characters replaced, so no
//! line of the output is anything but a comment or a command the rule built. A fix
//! without a command (a node's /etc/vzdump.conf, the syntax of a file) gets a comment
//! saying which file to edit where.

use super::position;
use pvelint_parse::{Diagnostic, Tree};
use std::collections::HashSet;

/// A text for a `#` comment: control characters (a newline would end the comment and
/// start a command) become spaces.
pub fn comment(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The commands of the fixes of `diags` (the caller leaves only the fixes the run
/// applies: unsafe ones only with `--unsafe-fixes`).
pub fn commands(tree: &Tree, diags: &[Diagnostic]) -> String {
    let mut out = String::from(
        "# pvelint: Proxmox commands that apply the fixes on the live cluster; nothing was run.\n# Review each command before you run it.\n",
    );
    let mut seen: HashSet<&str> = HashSet::new();
    let mut count = 0usize;
    for d in diags {
        let Some(fix) = &d.fix else { continue };
        count += 1;
        let p = position(tree, d.span);
        let path = &tree.file(d.span.file).path;
        out.push_str(&format!(
            "\n# {path}:{}:{}: {} {}: {} ({} fix)\n",
            p.line,
            p.column,
            d.code,
            d.name,
            comment(&fix.message),
            fix.applicability.as_str()
        ));
        match &fix.command {
            Some(c) if !seen.insert(c.as_str()) => out.push_str("# the same command as above applies this fix\n"),
            Some(c) => {
                out.push_str(c);
                out.push('\n');
            }
            None => out.push_str(&format!("# no Proxmox command does this: {}\n", comment(&where_to_edit(tree, d)))),
        }
    }
    out.push_str(&format!("\n# {}\n", pvelint_parse::text::count_irregular(count, "fix", "fixes")));
    out
}

/// Where to make a fix that has no command: a node's /etc/vzdump.conf on that node, any
/// other file in /etc/pve.
fn where_to_edit(tree: &Tree, d: &Diagnostic) -> String {
    let file = d.span.file;
    match tree.vzdump_confs.iter().find(|(_, c)| c.file == file) {
        Some((node, _)) => format!("edit /etc/vzdump.conf on node {node} (the file edit of `pvelint check --diff`)"),
        None => format!(
            "apply the edit `pvelint check --diff` shows to {} (in the copy you deploy from, or by hand in /etc/pve)",
            tree.file(file).path
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_cannot_start_a_command() {
        assert_eq!(comment("a\nrm -rf /\r\u{1b}[2J"), "a rm -rf /  [2J");
    }
}
