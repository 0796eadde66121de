//! Ignores in pvelint.yaml with a reason and an end date: an expired ignore stops
//! ignoring and says so; an ignore that suppresses nothing is listed by `--statistics`
//! and `pvelint config --unused`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let incident = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/incident/pve");
    for e in walkdir::WalkDir::new(&incident).into_iter().flatten() {
        let rel = e.path().strip_prefix(&incident).unwrap();
        let dest = dir.path().join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
    dir
}

fn run(dir: &Path, args: &[&str], today: &str) -> (Option<i32>, String, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_pvelint")).args(args).arg(dir).env("PVELINT_TODAY", today).output().unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

const CONFIG: &str = "per-object-ignores:\n  - object: guest:120\n    rules: [G103]\n    reason: frigate moves back next week\n    expires: 2026-12-10\n  - object: storage:nowhere\n    reason: left over\n";

#[test]
fn an_ignore_applies_until_its_end_date_then_says_it_expired() {
    let dir = tree();
    std::fs::write(dir.path().join("pvelint.yaml"), CONFIG).unwrap();
    let args = ["check", "--format", "concise", "--select", "G103"];
    let (code, text, err) = run(dir.path(), &args, "2026-12-10");
    assert_eq!(code, Some(0), "{text}{err}");
    assert!(!text.contains(" G103 ") && !err.contains("expired"), "{text}{err}");
    let (code, text, err) = run(dir.path(), &args, "2026-12-11");
    assert_eq!(code, Some(1));
    assert!(text.contains("nodes/still-fawn/lxc/120.conf") && text.contains(" G103 "), "{text}");
    assert!(
        err.contains(
            "per-object-ignores 'guest:120' (line 2) expired on 2026-12-10 (reason: frigate moves back next week)"
        ),
        "{err}"
    );
}

#[test]
fn unused_ignores_are_listed_by_statistics_and_config_unused() {
    let dir = tree();
    std::fs::write(dir.path().join("pvelint.yaml"), CONFIG).unwrap();
    let (_, text, _) = run(dir.path(), &["check", "--format", "concise", "--statistics"], "2026-12-01");
    assert!(text.contains("unused ignore: per-object-ignores 'storage:nowhere' (line 6) suppresses nothing"), "{text}");
    assert!(!text.contains("'guest:120'"), "{text}");
    let (code, text, _) = run(dir.path(), &["config", "--unused"], "2026-12-01");
    assert_eq!(code, Some(1));
    assert_eq!(text, "unused ignore: per-object-ignores 'storage:nowhere' (line 6) suppresses nothing\n");
    std::fs::write(dir.path().join("pvelint.yaml"), CONFIG.split("  - object: storage:nowhere").next().unwrap())
        .unwrap();
    let (code, text, _) = run(dir.path(), &["config", "--unused"], "2026-12-01");
    assert_eq!((code, text.as_str()), (Some(0), ""));
}

#[test]
fn an_end_date_must_be_a_day() {
    let dir = tree();
    for bad in ["2026-02-30", "next week", "2026-1-5"] {
        std::fs::write(
            dir.path().join("pvelint.yaml"),
            format!("per-path-ignores:\n  - path: '*'\n    expires: {bad}\n"),
        )
        .unwrap();
        let (code, _, err) = run(dir.path(), &["check"], "2026-12-01");
        assert_eq!(code, Some(2), "{bad}: {err}");
        assert!(err.contains("expires: write the last day the ignore applies as YYYY-MM-DD"), "{err}");
    }
}
