//! S103: two content types of one storage resolve to the same directory.

use crate::context::Context;
use pvelint_parse::storage::ContentType;
use pvelint_parse::{Diagnostic, Span};
use std::collections::BTreeMap;

crate::declare_rule!(
    ContentDirsOverlap,
    "S103",
    "content-dirs-overlap",
    Error,
    "Two content types of one storage resolve to the same directory, which Proxmox refuses to activate."
);

/// `base/sub` with `.`, `..` and repeated `/` resolved, as `abs_path` would for real
/// directories (symlinks cannot be seen).
fn resolve(base: &str, sub: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in base.split('/').chain(sub.split('/')) {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in ctx.tree.storage.iter() {
        if !s.usable || s.is_disabled() || !s.kind.is_file_based() {
            continue;
        }
        let Some(path) = &s.path else { continue };
        let mut dirs: BTreeMap<String, Vec<ContentType>> = BTreeMap::new();
        for c in &s.content.value {
            let sub = match s.content_dirs.get(c) {
                Some(d) => d.value.as_str(),
                None => match c.default_subdir() {
                    Some(d) => d,
                    None => continue,
                },
            };
            dirs.entry(resolve(&path.value, sub)).or_default().push(*c);
        }
        for (dir, types) in dirs {
            if types.len() < 2 {
                continue;
            }
            let overridden: Vec<(ContentType, Span)> =
                types.iter().filter_map(|c| s.content_dirs.get(c).map(|d| (*c, d.span))).collect();
            let Some(&(_, primary)) = overridden.last() else { continue };
            let names: Vec<String> = types.iter().map(|c| format!("'{c}'")).collect();
            let mut d = META
                .at(
                    primary,
                    format!(
                        "content types {} of storage '{}' {} resolve to the directory {dir}; Proxmox dies \"storage '{}' uses directory {dir} for multiple content types\" when it activates the storage, so nothing on it can be used",
                        names.join(" and "),
                        s.id,
                        if types.len() == 2 { "both" } else { "all" },
                        s.id
                    ),
                )
                .with_help("give each content type its own sub-directory in `content-dirs`, or drop the content type that is not needed")
                .with_object(s.object())
                .with_key("content-dirs");
            for (c, span) in overridden.iter().rev().skip(1) {
                d = d.with_label(*span, format!("'{c}' is also mapped to {dir} here"));
            }
            for c in types.iter().filter(|c| !s.content_dirs.contains_key(c)) {
                if let Some(span) = s.content.span {
                    d = d.with_label(span, format!("'{c}' uses its default sub-directory {dir}"));
                }
            }
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn resolves_like_abs_path() {
        assert_eq!(resolve("/data", "dump"), "/data/dump");
        assert_eq!(resolve("/data/", "/x//y/"), "/data/x/y");
        assert_eq!(resolve("/data", "./a/../dump"), "/data/dump");
        assert_eq!(resolve("/data", "."), "/data");
        assert_eq!(resolve("/", "../.."), "/");
    }
}
