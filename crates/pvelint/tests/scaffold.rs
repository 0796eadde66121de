//! `scripts/new-rule.sh` writes a rule's file, document, cases and table line. Run on a
//! scratch copy of the rule table, never on the repository.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pvelint-scaffold-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rules = dir.join("crates/pvelint-rules/src/rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::copy(workspace().join("crates/pvelint-rules/src/rules/mod.rs"), rules.join("mod.rs")).unwrap();
    std::fs::write(dir.join("CHANGELOG.md"), "# Changelog\n\n## [Unreleased] (9.8.7)\n").unwrap();
    dir
}

fn run(root: &Path, args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg(workspace().join("scripts/new-rule.sh"))
        .args(args)
        .env("ROOT", root)
        .output()
        .expect("run scripts/new-rule.sh")
}

#[test]
fn new_rule_writes_file_document_cases_and_table_line_in_order() {
    let root = scratch("ok");
    let out = run(&root, &["G199", "volume-on-the-moon", "Error", "A volume is on the moon."]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rule = std::fs::read_to_string(root.join("crates/pvelint-rules/src/rules/g199_volume_on_the_moon.rs")).unwrap();
    assert!(rule.contains(
        r#"crate::declare_rule!(VolumeOnTheMoon, "G199", "volume-on-the-moon", Error, "A volume is on the moon.");"#
    ));
    let doc = std::fs::read_to_string(root.join("rules/G199.md")).unwrap();
    assert!(doc.starts_with("# G199 volume-on-the-moon\n"));
    assert!(doc.ends_with("## History\n- 9.8.7: added.\n"), "{doc}");
    for h in [
        "## What it finds",
        "## Why it matters",
        "## Example",
        "## How to fix",
        "## Automatic fix\nNone: TODO",
        "## Related",
    ] {
        assert!(doc.contains(h), "document lacks {h}");
    }
    for case in ["fail_example", "pass_example"] {
        assert!(root.join("testdata/rules/G199").join(case).join("storage.cfg").is_file(), "{case}");
    }
    // The line sits after the last G1xx below G199 and before the first H rule.
    let table = std::fs::read_to_string(root.join("crates/pvelint-rules/src/rules/mod.rs")).unwrap();
    let modules: Vec<&str> =
        table.lines().filter_map(|l| l.trim().strip_suffix(',')).filter(|l| l.contains("::")).collect();
    let mut sorted = modules.clone();
    sorted.sort_unstable();
    assert_eq!(modules, sorted, "the table stays in code order");
    assert!(modules.contains(&"g199_volume_on_the_moon::VolumeOnTheMoon"));
    // A second run refuses to overwrite.
    let again = run(&root, &["G199", "volume-on-the-moon"]);
    assert_eq!(again.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn new_rule_rejects_bad_codes_names_and_p_codes() {
    let root = scratch("bad");
    for args in [&["g1", "x"][..], &["G199", "Not_Kebab"], &["P099", "syntax-thing"], &["G199", "x", "Fatal"]] {
        let out = run(&root, args);
        assert_eq!(out.status.code(), Some(2), "{args:?} was accepted");
    }
    assert!(!root.join("rules/G199.md").exists());
    let _ = std::fs::remove_dir_all(&root);
}
