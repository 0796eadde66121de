//! Helpers shared by the fuzz targets: text from bytes as the tree loader makes it, span
//! checks, and the multi-file input format of the `tree` target.
//!
//! Every target panics (a finding) when a parser panics or returns a span outside its
//! file or off a character boundary.

use pvelint_parse::span::FileId;
use pvelint_parse::{InputFile, SourceFile, TreeInput};

pub const ID: FileId = FileId(1);

/// The bytes as a file of the tree (invalid UTF-8 replaced, as `tree::load` does).
pub fn file(data: &[u8]) -> SourceFile {
    SourceFile::new(ID, "fuzz.cfg", String::from_utf8_lossy(data).into_owned())
}

pub use pvelint_parse::spancheck::{check_all, check_span, debug_spans};

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
