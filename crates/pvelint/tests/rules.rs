//! The rule harness. Tests are data: `testdata/rules/<CODE>/fail_*/` and `pass_*/` are
//! minimal trees (a copy of /etc/pve; a node's vzdump.conf as `vzdump/<node>.conf`).
//! Each case runs with only its rule enabled: a pass case must give no diagnostic, a
//! fail case at least one, all of that code, and its rendering is an insta snapshot
//! named `<CODE>__<case>`. A case with a `whatif.args` file (one change per line, as
//! on the command line: `--move-guest 106=pve2`) is linted as it would be after them. A
//! case with a `pvelint.yaml` takes its `pve-version` from it (the CLI would find that
//! file in the tree too); its other settings are not applied. A case is linted as inside
//! a git work tree only when it has a file `in-git-work-tree` (wherever the checkout is).
//!
//! The syntax codes (`P…`) run too: a case fails when its fixture raises a syntax finding,
//! unless the case lists that code in a file `expect-syntax` (one code per line), so that
//! a typo in a fixture cannot go unseen.

mod common;

use pvelint::output::{self as render, FullStyle, Links};
use pvelint::whatif::Change;
use pvelint_parse::TreeInput;
use pvelint_rules::registry::all_meta;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/rules")
}

/// Reads a case the way the CLI reads a tree, plus `vzdump/<node>.conf` files.
pub fn read_case(dir: &Path) -> TreeInput {
    let layout = pvelint::discover::find_layout(dir).unwrap_or_else(|| panic!("{} is not a tree", dir.display()));
    let (mut input, _) = pvelint::discover::read_tree(&layout);
    input.in_git_work_tree = dir.join("in-git-work-tree").is_file();
    if let Ok(entries) = fs::read_dir(dir.join("vzdump")) {
        let mut confs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        confs.sort();
        for p in confs {
            let node = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
            let display = format!("vzdump/{node}.conf");
            input.vzdump_confs.push((node, pvelint::discover::read_file(&p, display)));
        }
    }
    input
}

/// `--move-guest 106=pve2` and the like, one per line of `whatif.args`.
fn parse_change(line: &str) -> Change {
    let (flag, arg) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
    let arg = arg.trim();
    match flag {
        "--move-storage" => Change::move_storage(arg).unwrap(),
        "--move-guest" => Change::move_guest(arg).unwrap(),
        "--remove-node" => Change::remove_node(arg).unwrap(),
        "--remove-storage" => Change::RemoveStorage(arg.to_string()),
        "--disable-storage" => Change::DisableStorage(arg.to_string()),
        other => panic!("unknown what-if change '{other}'"),
    }
}

fn cases() -> BTreeMap<String, Vec<(String, PathBuf)>> {
    let mut out: BTreeMap<String, Vec<(String, PathBuf)>> = BTreeMap::new();
    for code_dir in fs::read_dir(rules_dir()).expect("testdata/rules").flatten() {
        let code = code_dir.file_name().to_string_lossy().into_owned();
        for case in fs::read_dir(code_dir.path()).unwrap().flatten() {
            let name = case.file_name().to_string_lossy().into_owned();
            out.entry(code.clone()).or_default().push((name, case.path()));
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

#[test]
fn every_rule_has_fail_and_pass_cases() {
    let cases = cases();
    let metas = all_meta();
    for m in metas.iter().filter(|m| !m.code.starts_with('P')) {
        let list = cases.get(m.code).unwrap_or_else(|| panic!("testdata/rules/{} is missing", m.code));
        assert!(list.iter().any(|(n, _)| n.starts_with("fail_")), "{} has no fail_ case", m.code);
        assert!(list.iter().any(|(n, _)| n.starts_with("pass_")), "{} has no pass_ case", m.code);
    }
    for (code, list) in &cases {
        assert!(metas.iter().any(|m| m.code == code), "testdata/rules/{code} names no rule");
        for (name, _) in list {
            assert!(
                name.starts_with("fail_") || name.starts_with("pass_"),
                "{code}/{name}: name must start with fail_ or pass_"
            );
        }
    }
}

/// Reads and lints one case with its rule and the syntax codes enabled; `Err` when the
/// fixture raises a syntax finding that its `expect-syntax` does not list.
fn lint_case(
    code: &str,
    name: &str,
    dir: &Path,
) -> Result<(pvelint_parse::Tree, Vec<pvelint_parse::Diagnostic>), String> {
    let mut input = read_case(dir);
    let config = dir.join("pvelint.yaml");
    if config.is_file() {
        let cfg = pvelint::config::load(&config, pvelint::config::Origin::Found)
            .unwrap_or_else(|e| panic!("{code}/{name}: {}", e.message));
        input.pve_version = Some(cfg.pve_version);
    }
    let enabled = |m: &pvelint_rules::RuleMeta| m.code == code || m.code.starts_with('P');
    let (tree, diags) = match fs::read_to_string(dir.join("whatif.args")) {
        // A what-if case: the rules run on the tree after the listed changes.
        Ok(args) => {
            let before = pvelint_parse::load(input);
            let changes: Vec<Change> = args.lines().filter(|l| !l.trim().is_empty()).map(parse_change).collect();
            let (after, scenario) =
                pvelint::whatif::apply(&before, &changes).unwrap_or_else(|e| panic!("{code}/{name}: {e}"));
            let diags = pvelint_rules::pipeline::lint_scenario(&after, &scenario, &enabled);
            (after, diags)
        }
        Err(_) => pvelint::lint(input, enabled),
    };
    let expected: Vec<String> = fs::read_to_string(dir.join("expect-syntax"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let (syntax, diags): (Vec<_>, Vec<_>) = diags.into_iter().partition(|d| d.code.starts_with('P') && d.code != code);
    let unexpected: Vec<_> = syntax.iter().filter(|d| !expected.iter().any(|e| e == d.code)).cloned().collect();
    if !unexpected.is_empty() {
        return Err(format!(
            "{code}/{name}: the fixture raises syntax findings it does not expect (list them in expect-syntax if they are meant):\n{}",
            render::concise(&tree, &unexpected)
        ));
    }
    Ok((tree, diags))
}

/// The harness itself: a fixture with a syntax error (VMIDs in the storage column of a
/// pool line, as both J107 fixtures once had) fails its case; `expect-syntax` admits it.
#[test]
fn a_fixture_with_a_syntax_error_fails_its_case() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("jobs.cfg"), "vzdump: backup-1\n\tschedule 02:00\n\tpool prod\n\tstorage local\n")
        .unwrap();
    fs::write(dir.path().join("user.cfg"), "pool:prod:Production::101,102:\n").unwrap();
    let err = lint_case("J107", "pass_x", dir.path()).expect_err("the syntax finding must fail the case");
    assert!(err.contains("user.cfg") && err.contains("expect-syntax"), "{err}");
    let codes: Vec<&str> = err.lines().filter_map(|l| l.split_whitespace().find(|w| w.starts_with('P'))).collect();
    fs::write(dir.path().join("expect-syntax"), codes.join("\n")).unwrap();
    assert!(lint_case("J107", "pass_x", dir.path()).is_ok());
}

#[test]
fn rule_cases() {
    let mut failures = Vec::new();
    for (code, list) in cases() {
        for (name, dir) in list {
            let (tree, diags) = match lint_case(&code, &name, &dir) {
                Ok(x) => x,
                Err(e) => {
                    failures.push(e);
                    continue;
                }
            };
            if name.starts_with("pass_") {
                if !diags.is_empty() {
                    failures.push(format!(
                        "{code}/{name}: expected no diagnostic, got:\n{}",
                        render::concise(&tree, &diags)
                    ));
                }
                continue;
            }
            if diags.is_empty() {
                failures.push(format!("{code}/{name}: expected diagnostics, got none"));
                continue;
            }
            let text = render::full(&tree, &diags, FullStyle { color: false, width: 80 }, Links::default());
            insta::with_settings!({
                snapshot_path => "snapshots/rules",
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => format!("{code}/{name}"),
            }, {
                insta::assert_snapshot!(format!("{code}__{}", name), text);
            });
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The findings of a case, linted as `lint_case` does but without its checks (the tree
/// after fixes), and their fingerprints.
fn relint(code: &str, dir: &Path) -> (pvelint_parse::Tree, Vec<pvelint_parse::Diagnostic>, Vec<String>) {
    let enabled = |m: &pvelint_rules::RuleMeta| m.code == code || m.code.starts_with('P');
    let (tree, diags) = pvelint::lint(read_case(dir), enabled);
    let fps = pvelint::fingerprint::fingerprints(&tree, &diags);
    (tree, diags, fps)
}

/// Fixes, generically, for every case of every code: the fixes a rule offers agree with
/// what it declares (`fix = Safe/Unsafe` in `declare_rule!`, the `## Automatic fix` of
/// its document); every code that declares a fix offers one in a fail case; and for each
/// case with fixes, applied (unsafe ones too) to a scratch copy through the CLI's writer:
/// only the lines the edits touch change (byte-precise), the fixed findings are gone and
/// no finding appeared, and fixing again changes nothing (idempotent). The diff of each
/// case is an insta snapshot `fixes/<CODE>__<case>`.
#[test]
fn fixes_are_precise_idempotent_and_remove_their_findings() {
    use pvelint_parse::Applicability;
    use pvelint_rules::fix;
    let mut failures = Vec::new();
    let mut offered: std::collections::BTreeSet<String> = Default::default();
    for (code, list) in cases() {
        if code.starts_with('M') {
            continue; // what-if cases: a fix edits files, not a scenario
        }
        let declared = all_meta().into_iter().find(|m| m.code == code).and_then(|m| m.fix);
        for (name, dir) in list {
            if dir.join("whatif.args").exists() {
                continue;
            }
            let enabled = |m: &pvelint_rules::RuleMeta| m.code == code || m.code.starts_with('P');
            let input = read_case(&dir);
            let lint = |t: &pvelint_parse::Tree| pvelint::lint_tree(t, &enabled);
            let (tree, diags) = pvelint::lint(input.clone(), enabled);
            let own: Vec<_> = diags.iter().filter(|d| d.code == code && d.fix.is_some()).collect();
            for d in &own {
                let a = d.fix.as_ref().map(|f| f.applicability);
                let ok = match declared {
                    None => false,
                    Some(Applicability::Safe) => true,
                    Some(Applicability::Unsafe) => a == Some(Applicability::Unsafe),
                };
                if !ok {
                    failures.push(format!("{code}/{name}: offers a {a:?} fix, but the rule declares {declared:?}"));
                }
            }
            if own.is_empty() {
                continue;
            }
            offered.insert(code.clone());
            // Byte-precise: in one pass, only the lines the edits touch differ.
            let (edits, _) = fix::plan(&diags, true, &|_| true);
            for f in &tree.files {
                let mine: Vec<_> = edits.iter().filter(|e| e.span.file == f.id).cloned().collect();
                if mine.is_empty() {
                    continue;
                }
                let new = fix::apply_edits(&f.text, &mine);
                // Lines no edit touches (1-based), each with its line ending.
                let touched: std::collections::BTreeSet<usize> = mine
                    .iter()
                    .flat_map(|e| f.line_col(e.span.start).0..=f.line_col(e.span.end.max(e.span.start + 1) - 1).0)
                    .collect();
                let kept: Vec<&str> = f
                    .text
                    .split_inclusive('\n')
                    .enumerate()
                    .filter(|(i, _)| !touched.contains(&(i + 1)))
                    .map(|(_, l)| l)
                    .collect();
                // …are in the fixed text, byte for byte and in order.
                let mut rest = new.split_inclusive('\n');
                if !kept.iter().all(|k| rest.any(|l| l == *k)) {
                    failures.push(format!("{code}/{name}: {} changed outside the lines its edits touch", f.path));
                }
            }
            // The findings before: all of them, and those the fixes fix.
            let fps = pvelint::fingerprint::fingerprints(&tree, &diags);
            let fixed_fps: Vec<&String> =
                diags.iter().zip(&fps).filter(|(d, _)| fix::wanted(d, true)).map(|(_, fp)| fp).collect();
            let all_before: std::collections::BTreeSet<&String> = fps.iter().collect();
            // Apply to a scratch copy through the writer the CLI uses.
            let scratch = tempfile::tempdir().unwrap();
            common::copy_tree(&dir, scratch.path());
            let (_, run) = fix::fix_input(&read_case(scratch.path()), &lint, true, fix::MAX_PASSES);
            if run.changed.is_empty() || run.unfinished {
                failures.push(format!("{code}/{name}: fixes changed nothing or did not settle ({run:?})"));
                continue;
            }
            for (path, (old, new)) in &run.changed {
                if let Err(e) = pvelint::fixes::write(scratch.path(), path, old, new) {
                    failures.push(format!("{code}/{name}: cannot write {path}: {e}"));
                }
            }
            let (_, _, after) = relint(&code, scratch.path());
            for fp in &fixed_fps {
                if after.contains(*fp) {
                    failures.push(format!("{code}/{name}: a fixed finding is still there after --fix"));
                }
            }
            for fp in &after {
                if !all_before.contains(fp) {
                    failures.push(format!("{code}/{name}: --fix made a new finding appear"));
                }
            }
            // Idempotent: fixing the fixed tree changes nothing.
            let (_, again) = fix::fix_input(&read_case(scratch.path()), &lint, true, fix::MAX_PASSES);
            if !again.changed.is_empty() {
                failures.push(format!("{code}/{name}: a second --fix changed {:?}", again.changed.keys()));
            }
            let diffs: Vec<pvelint::output::diff::FileDiff> = run
                .changed
                .iter()
                .map(|(p, (old, new))| pvelint::output::diff::FileDiff {
                    path: p,
                    old,
                    new,
                    notes: run.notes.get(p).map_or(&[], Vec::as_slice),
                })
                .collect();
            let text = pvelint::output::diff::diff(&diffs);
            insta::with_settings!({
                snapshot_path => "snapshots/fixes",
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => format!("{code}/{name}: --diff --unsafe-fixes"),
            }, {
                insta::assert_snapshot!(format!("{code}__{}", name), text);
            });
        }
    }
    for m in all_meta().iter().filter(|m| m.fix.is_some()) {
        if !offered.contains(m.code) {
            failures.push(format!("{} declares a fix but no fail case shows one", m.code));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
