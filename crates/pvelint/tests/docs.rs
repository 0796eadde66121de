//! Generated documentation stays current: `docs/rules.md` is the rule index of the
//! registry as it is now. `UPDATE_DOCS=1 cargo test -p pvelint --test docs` rewrites it.

use std::path::PathBuf;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn rule_index_is_current() {
    let path = workspace().join("docs/rules.md");
    let want = pvelint_rules::registry::rule_index();
    if std::env::var_os("UPDATE_DOCS").is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(&path, &want).expect("write docs/rules.md");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        let first = have
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| have.lines().count().min(want.lines().count()) + 1, |i| i + 1);
        panic!(
            "docs/rules.md is stale (first difference at line {first}): the rule registry changed.\n\
             Regenerate it with: UPDATE_DOCS=1 cargo test -p pvelint --test docs\n\
             expected line: {:?}\n     got line: {:?}",
            want.lines().nth(first - 1).unwrap_or("<end of file>"),
            have.lines().nth(first - 1).unwrap_or("<end of file>"),
        );
    }
}

#[test]
fn every_rule_document_is_linked_and_exists() {
    let index = pvelint_rules::registry::rule_index();
    for m in pvelint_rules::registry::all_meta() {
        let link = format!("(../rules/{}.md)", m.code);
        assert!(index.contains(&link), "{} is not linked", m.code);
        assert!(workspace().join("rules").join(format!("{}.md", m.code)).is_file(), "rules/{}.md is missing", m.code);
    }
}

#[test]
fn user_guide_links_resolve() {
    // Relative links of the user guide point at files that exist.
    let docs = workspace().join("docs");
    let guide = std::fs::read_to_string(docs.join("user-guide.md")).expect("docs/user-guide.md");
    let mut rest = guide.as_str();
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = &rest[..end];
        rest = &rest[end..];
        if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
            continue;
        }
        let file = target.split('#').next().unwrap_or_default();
        assert!(docs.join(file).exists(), "docs/user-guide.md links to {target}, which does not exist");
    }
}
