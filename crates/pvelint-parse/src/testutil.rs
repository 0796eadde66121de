//! Helpers shared by the parsers' unit tests: span ranges for model dumps, and runs over
//! the real configurations of the shared corpus.

use crate::diag::Diagnostic;
use crate::source::SourceFile;
use crate::span::{FileId, Span};
use std::path::{Path, PathBuf};

/// `line:col-line:col` of a span, for compact model dumps.
pub fn range(f: &SourceFile, s: Span) -> String {
    let (a, b) = f.line_col(s.start);
    let (c, d) = f.line_col(s.end);
    format!("{a}:{b}-{c}:{d}")
}

/// One line per diagnostic (`P004 error @3:1-3:9: message`), the tail of model dumps.
pub fn diag_lines(f: &SourceFile, diags: &[Diagnostic]) -> String {
    diags.iter().map(|d| format!("{} {} @{}: {}\n", d.code, d.severity.as_str(), range(f, d.span), d.message)).collect()
}

/// Where the shared corpus of real configurations is: `$PVELINT_CORPUS`, else
/// `../shared/corpus/real` beside the repository (the development machines' layout).
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os("PVELINT_CORPUS") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/real"),
    }
}

/// Every file of the corpus that `wanted` accepts, sorted. Panics when none is found: a
/// corpus test that saw no file proved nothing.
pub fn corpus_files(wanted: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    corpus_files_in(&corpus_dir(), wanted)
}

fn corpus_files_in(dir: &Path, wanted: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    fn walk(dir: &Path, wanted: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, wanted, out);
            } else if wanted(&p) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, wanted, &mut out);
    out.sort();
    assert!(
        !out.is_empty(),
        "no corpus file found under {} (set PVELINT_CORPUS to the corpus of real configurations)",
        dir.display()
    );
    out
}

/// Parses each corpus file `wanted` accepts with `parse` and asserts that no
/// diagnostic comes out (the real configurations are read by Proxmox as written).
pub fn assert_corpus_clean(wanted: &dyn Fn(&Path) -> bool, parse: &dyn Fn(&Path, &SourceFile, &mut Vec<Diagnostic>)) {
    let files = corpus_files(wanted);
    let mut findings = Vec::new();
    for p in &files {
        let text = String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
        let f = SourceFile::new(FileId(0), p.display().to_string(), text);
        let mut d = Vec::new();
        parse(p, &f, &mut d);
        findings.extend(d.iter().map(|d| format!("{}: {} {}", p.display(), d.code, d.message)));
    }
    assert!(findings.is_empty(), "{findings:#?}");
}

/// A `wanted` filter for one file name.
pub fn named(name: &'static str) -> impl Fn(&Path) -> bool {
    move |p: &Path| p.file_name().is_some_and(|n| n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_corpus_fails() {
        let dir = std::env::temp_dir().join(format!("pvelint-empty-corpus-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let found = std::panic::catch_unwind(|| corpus_files_in(&dir, &|_| true));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(found.is_err(), "an empty corpus must fail the test that reads it");
    }

    #[test]
    fn the_corpus_is_found_beside_the_repository() {
        assert!(!corpus_files(&named("storage.cfg")).is_empty());
    }
}
