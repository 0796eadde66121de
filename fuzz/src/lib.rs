//! Helpers shared by the fuzz targets: text from bytes as the tree loader makes it, span
//! checks, and the multi-file input format of the `tree` target.
//!
//! Every target panics (a finding) when a parser panics or returns a span outside its
//! file or off a character boundary.

use pvelint_parse::span::{FileId, Span};
use pvelint_parse::{Diagnostic, InputFile, SourceFile, TreeInput};

pub const ID: FileId = FileId(1);

/// The bytes as a file of the tree (invalid UTF-8 replaced, as `tree::load` does).
pub fn file(data: &[u8]) -> SourceFile {
    SourceFile::new(ID, "fuzz.cfg", String::from_utf8_lossy(data).into_owned())
}

pub fn check_span(text: &str, file: FileId, span: Span, what: &str) {
    assert_eq!(span.file, file, "{what}: span {span:?} names another file");
    let (s, e) = (span.start as usize, span.end as usize);
    assert!(s <= e && e <= text.len(), "{what}: span {s}..{e} outside the file of {} bytes", text.len());
    assert!(text.is_char_boundary(s) && text.is_char_boundary(e), "{what}: span {s}..{e} not on char boundaries");
}

/// Every `Span { file: FileId(f), start: s, end: e }` in a `Debug` rendering.
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

/// Checks the diagnostics, their labels and every span of the model.
pub fn check_all(f: &SourceFile, diags: &[Diagnostic], model: &dyn std::fmt::Debug) {
    for d in diags {
        check_span(&f.text, f.id, d.span, d.code);
        for l in &d.labels {
            check_span(&f.text, f.id, l.span, "label");
        }
    }
    if f.text.contains("Span {") {
        return;
    }
    for s in debug_spans(&format!("{model:?}")) {
        check_span(&f.text, f.id, s, "model");
    }
}

/// The `tree` target's input: files one after the other, each introduced by a line
/// `==> PATH <==` (as `head` prints them). `PATH` `vzdump.conf` attaches the text as
/// node `a`'s /etc/vzdump.conf; `local NODE` sets the local node.
pub fn tree_input(data: &[u8]) -> TreeInput {
    let mut input = TreeInput::default();
    let mut rest = data;
    const OPEN: &[u8] = b"==> ";
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    while let Some(i) = find(rest, OPEN) {
        rest = &rest[i + OPEN.len()..];
        let Some(j) = find(rest, b" <==\n") else { break };
        let path = String::from_utf8_lossy(&rest[..j]).into_owned();
        rest = &rest[j + 5..];
        let end = find(rest, b"\n==> ").map_or(rest.len(), |k| k + 1);
        let body = rest[..end].to_vec();
        rest = &rest[end..];
        if let Some(node) = path.strip_prefix("local ") {
            input.local_node = Some(node.to_string());
        } else if path == "vzdump.conf" {
            input.vzdump_confs.push(("a".into(), InputFile::new(path, body)));
        } else {
            input.files.push(InputFile::new(path, body));
        }
        if input.files.len() > 64 {
            break;
        }
    }
    input
}
