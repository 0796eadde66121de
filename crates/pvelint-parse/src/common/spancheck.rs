//! The span invariant, as an executable check: every span a parser returns lies in its
//! own file, inside the text, on UTF-8 character boundaries. Used by the property tests
//! and the fuzz targets; it panics, naming what broke the invariant.

use crate::diag::Diagnostic;
use crate::source::SourceFile;
use crate::span::{FileId, Span};

/// Panics unless `span` is a valid range of `text` in file `file`.
pub fn check_span(text: &str, file: FileId, span: Span, what: &str) {
    assert_eq!(span.file, file, "{what}: span {span:?} names another file");
    let (s, e) = (span.start as usize, span.end as usize);
    assert!(s <= e && e <= text.len(), "{what}: span {s}..{e} outside the file of {} bytes", text.len());
    assert!(text.is_char_boundary(s) && text.is_char_boundary(e), "{what}: span {s}..{e} not on char boundaries");
}

/// Every `Span { file: FileId(f), start: s, end: e }` in a `Debug` rendering, so that the
/// spans of any model can be checked without a visitor per type.
pub fn debug_spans(dbg: &str) -> Vec<Span> {
    const PAT: &str = "Span { file: FileId(";
    let mut out = Vec::new();
    let mut rest = dbg;
    while let Some(i) = rest.find(PAT) {
        rest = &rest[i + PAT.len()..];
        let num = |r: &str| -> Option<(u32, usize)> {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            Some((r[..n].parse().ok()?, n))
        };
        let parsed = (|| {
            let (f, n) = num(rest)?;
            let r = rest[n..].strip_prefix("), start: ")?;
            let (s, n) = num(r)?;
            let r = r[n..].strip_prefix(", end: ")?;
            let (e, _) = num(r)?;
            Some(Span { file: FileId(f), start: s, end: e })
        })();
        out.push(parsed.expect("malformed Span in Debug output"));
    }
    out
}

/// Checks the diagnostics, their labels and every span of the model of one file.
pub fn check_all(f: &SourceFile, diags: &[Diagnostic], model: &dyn std::fmt::Debug) {
    for d in diags {
        check_span(&f.text, f.id, d.span, d.code);
        for l in &d.labels {
            check_span(&f.text, f.id, l.span, "label");
        }
    }
    // A text could spell a Span itself; then the scan of the Debug output would be misled.
    if f.text.contains("Span {") {
        return;
    }
    for s in debug_spans(&format!("{model:?}")) {
        check_span(&f.text, f.id, s, "model");
    }
}
