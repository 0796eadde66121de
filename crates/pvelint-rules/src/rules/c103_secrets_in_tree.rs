//! C103: key material under `priv/` in a tree that lives in a git work tree.

use crate::context::Context;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    SecretsInTree,
    "C103",
    "secrets-in-tree",
    Warning,
    "The tree is inside a git work tree and holds key material under priv/ (private keys, passwords, keyrings, token secrets)."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let tree = ctx.tree;
    if !tree.in_git_work_tree {
        return;
    }
    let secret: Vec<&pvelint_parse::SourceFile> = tree.name_only_files().collect();
    let Some((first, rest)) = secret.split_first() else { return };
    let names: Vec<&str> = secret.iter().map(|f| f.path.as_str()).collect();
    let what = if names.len() == 1 {
        format!("{} holds key material", names[0])
    } else {
        format!(
            "{} files under priv/ hold key material ({})",
            names.len(),
            pvelint_parse::diag::bounded_list(names.iter(), ", ", ", ")
        )
    };
    let mut d = META
        .at(
            first.span(),
            format!(
                "{what}, and this tree is inside a git work tree: whoever can read the repository or its history has the secret (pmxcfs makes priv/ readable by root only); pvelint saw only the names and opened none of them"
            ),
        )
        .with_help(
            "keep priv/ out of the repository (`git rm -r --cached priv`, add `priv/` to .gitignore), and rotate every secret that was committed; pvelint needs nothing from priv/",
        )
        .with_object("file");
    d = d.with_related(rest, |f| (f.span(), "key material too".to_string()));
    out.push(d);
}
