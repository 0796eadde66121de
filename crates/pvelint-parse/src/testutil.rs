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

/// Where the shared corpus lives on the development machines.
pub const CORPUS: &str = "/work/shared/corpus/real";

/// Every file of the corpus that `wanted` accepts, in directory order.
pub fn corpus_files(wanted: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
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
    walk(Path::new(CORPUS), wanted, &mut out);
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
    eprintln!("{} files", files.len());
    assert!(findings.is_empty(), "{findings:#?}");
}

/// A `wanted` filter for one file name.
pub fn named(name: &'static str) -> impl Fn(&Path) -> bool {
    move |p: &Path| p.file_name().is_some_and(|n| n == name)
}
