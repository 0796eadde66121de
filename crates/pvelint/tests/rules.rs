//! The rule harness. Tests are data: `testdata/rules/<CODE>/fail_*/` and `pass_*/` are
//! minimal trees (a copy of /etc/pve; a node's vzdump.conf as `vzdump/<node>.conf`).
//! Each case runs with only its rule enabled: a pass case must give no diagnostic, a
//! fail case at least one, all of that code, and its rendering is an insta snapshot
//! named `<CODE>__<case>`. A case with a `whatif.args` file (one change per line, as
//! on the command line: `--move-guest 106=pve2`) is linted as it would be after them. A
//! case with a `pvelint.yaml` takes its `pve-version` from it (the CLI would find that
//! file in the tree too); its other settings are not applied.

use pvelint::render::{self, FullStyle};
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

#[test]
fn rule_cases() {
    let mut failures = Vec::new();
    for (code, list) in cases() {
        for (name, dir) in list {
            let mut input = read_case(&dir);
            let config = dir.join("pvelint.yaml");
            if config.is_file() {
                let cfg = pvelint::config::load(&config).unwrap_or_else(|e| panic!("{code}/{name}: {}", e.message));
                input.pve_version = Some(cfg.pve_version);
            }
            let enabled = |m: &pvelint_rules::RuleMeta| m.code == code;
            let (tree, diags) = match fs::read_to_string(dir.join("whatif.args")) {
                // A what-if case: the rules run on the tree after the listed changes.
                Ok(args) => {
                    let before = pvelint_parse::load(input);
                    let changes: Vec<Change> =
                        args.lines().filter(|l| !l.trim().is_empty()).map(parse_change).collect();
                    let after =
                        pvelint::whatif::apply(&before, &changes).unwrap_or_else(|e| panic!("{code}/{name}: {e}"));
                    let diags = pvelint::lint_tree(&after, &enabled);
                    (after, diags)
                }
                Err(_) => pvelint::lint(input, enabled),
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
            let text = render::full(&tree, &diags, FullStyle { color: false, width: 80 });
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
