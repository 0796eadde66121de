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

fn files_under(dir: &std::path::Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// Code comments and rule documents cite Proxmox's sources (repository, file, function),
/// not documents that are not in this repository.
#[test]
fn citations_name_proxmox_sources() {
    let mut files = Vec::new();
    files_under(&workspace().join("rules"), "md", &mut files);
    files_under(&workspace().join("crates"), "rs", &mut files);
    assert!(files.len() > 50, "{} files", files.len());
    let mut bad = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            // Spelled apart so that this file does not match itself.
            if [concat!("err", "ata"), concat!("proxmox", "-formats"), concat!("spec ", "§")]
                .iter()
                .any(|w| line.contains(w))
            {
                bad.push(format!("{}:{}", f.display(), i + 1));
            }
        }
    }
    assert!(bad.is_empty(), "cite Proxmox's sources instead:\n{}", bad.join("\n"));
}

/// The manifests: one `rust-version` (at least what the code needs, 1.82 for
/// `Option::is_none_or`) inherited by every crate, no wildcard versions, no unused
/// dependencies in pvelint-rules.
#[test]
fn manifests_are_honest() {
    let root = std::fs::read_to_string(workspace().join("Cargo.toml")).unwrap();
    let rv = root
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("workspace rust-version");
    let (major, minor) = rv.split_once('.').unwrap();
    assert!((major.parse::<u32>().unwrap(), minor.parse::<u32>().unwrap()) >= (1, 82), "rust-version {rv}");
    assert!(!root.contains("= \"*\""), "wildcard version in Cargo.toml");
    for krate in ["pvelint", "pvelint-parse", "pvelint-rules", "pvelint-gen"] {
        let m = std::fs::read_to_string(workspace().join("crates").join(krate).join("Cargo.toml")).unwrap();
        assert!(m.contains("rust-version.workspace = true"), "{krate} does not inherit rust-version");
        assert!(!m.contains("= \"*\""), "{krate}: wildcard version");
        if krate == "pvelint-rules" {
            assert!(!m.contains("serde") && !m.contains("insta"), "pvelint-rules uses neither serde nor insta");
        }
        // Only the CLI renders and touches the file system: the library crates depend on
        // no terminal, file-walking or system crate.
        if krate == "pvelint-parse" || krate == "pvelint-rules" {
            let deps = m.split("[dependencies]").nth(1).unwrap_or_default().split("\n[").next().unwrap_or_default();
            for banned in ["miette", "clap", "walkdir", "libc", "globset"] {
                assert!(!deps.contains(banned), "{krate} depends on {banned}: rendering and I/O belong to the CLI");
            }
        }
    }
}

/// Counts in messages go through `pvelint_parse::text::count` (`1 guest`, `2 guests`,
/// `0 infos`), never a parenthesised plural such as `guest(s)`.
#[test]
fn no_parenthesised_plurals_in_messages() {
    let mut files = Vec::new();
    files_under(&workspace().join("crates"), "rs", &mut files);
    let needle = concat!("(", "s)");
    let bad: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            text.lines()
                .enumerate()
                // Inside a string literal: the odd parts between quotes.
                .filter(|(_, l)| {
                    !l.trim_start().starts_with("//") && l.split('"').skip(1).step_by(2).any(|q| q.contains(needle))
                })
                .map(|(i, _)| format!("{}:{}", f.display(), i + 1))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(bad.is_empty(), "use pvelint_parse::text::count:\n{}", bad.join("\n"));
}

/// The README's speed claim is a measured range with its machine, tree and command, not
/// a single flattering figure.
#[test]
fn readme_speed_claim_is_reproducible() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let para = readme.split("\n\n").find(|p| p.starts_with("Speed, measured side by side")).expect("speed paragraph");
    for needed in ["10,000-guest", "between", "2-core", "load average", "scripts/bench.sh", "SEED="] {
        assert!(para.contains(needed), "the speed claim lacks '{needed}':\n{para}");
    }
    assert!(!readme.contains("about 1.1×"), "the old single figure is back");
}
