//! A file's text and the mapping from byte offsets to lines and columns.

use crate::span::{FileId, Span};

/// One file of the tree, as text. Bytes that are not UTF-8 were replaced (and reported).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub id: FileId,
    /// Path relative to the tree root, with `/` separators (or as given for attached files).
    pub path: String,
    /// Shared with the guest configs parsed from it ([`crate::guest::GuestConfig`]), whose
    /// model holds spans into it instead of copies.
    pub text: std::sync::Arc<String>,
    /// Offsets of line starts and of multi-byte characters, computed on the first
    /// [`SourceFile::line_col`]: only files with findings need them.
    index: std::sync::OnceLock<LineIndex>,
    /// Where the file comes from: read from the tree, attached from outside it, or known
    /// by name only.
    pub origin: Origin,
}

/// Where a [`SourceFile`] comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// A file of the tree, read.
    #[default]
    Tree,
    /// A file from outside the tree (`--vzdump-conf`, a file named by `pvelint.yaml`):
    /// outputs quote no more of it than the spans of its findings.
    Attached,
    /// A file pvelint knows by name only and never opens (key material under `priv/`):
    /// its text is empty, findings point at its start, and it is not counted as checked.
    NameOnly,
}

/// Where lines start and where characters take more than one byte, so that a position
/// costs two binary searches, however long its line (a 1 MiB line of findings would
/// otherwise count characters from the line start for each of them).
#[derive(Debug, Default, Clone)]
struct LineIndex {
    line_starts: Box<[u32]>,
    /// Per multi-byte character, in text order: its offset and the extra bytes (beyond
    /// one per character) of all multi-byte characters up to and including it.
    wide: Box<[(u32, u32)]>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut line_starts = vec![0u32];
        line_starts.extend(newline_ends(text));
        let mut wide = Vec::new();
        if !text.is_ascii() {
            let mut extra = 0u32;
            for (i, c) in text.char_indices().filter(|(_, c)| !c.is_ascii()) {
                extra += c.len_utf8() as u32 - 1;
                wide.push((i as u32, extra));
            }
        }
        LineIndex { line_starts: line_starts.into_boxed_slice(), wide: wide.into_boxed_slice() }
    }

    /// Extra bytes of the multi-byte characters that start before `offset`.
    fn extra_before(&self, offset: u32) -> u32 {
        match self.wide.partition_point(|(o, _)| *o < offset) {
            0 => 0,
            k => self.wide[k - 1].1,
        }
    }
}

fn newline_ends(text: &str) -> impl Iterator<Item = u32> + '_ {
    text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i as u32 + 1)
}

impl SourceFile {
    pub fn new(id: FileId, path: impl Into<String>, text: String) -> Self {
        SourceFile {
            id,
            path: path.into(),
            text: std::sync::Arc::new(text),
            index: Default::default(),
            origin: Origin::Tree,
        }
    }

    fn index(&self) -> &LineIndex {
        self.index.get_or_init(|| LineIndex::new(&self.text))
    }

    /// 1-based line and column (column counted in characters) of a byte offset: two
    /// binary searches in the file's line index.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = offset.min(self.text.len() as u32);
        let index = self.index();
        let line = match index.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = index.line_starts[line];
        let col = (offset - start) - (index.extra_before(offset) - index.extra_before(start)) + 1;
        (line + 1, col as usize)
    }

    /// The span of the line (split on `\n`, without it) that holds a byte offset.
    pub fn line_span(&self, offset: u32) -> Span {
        let offset = offset.min(self.text.len() as u32);
        let starts = &self.index().line_starts;
        let line = starts.partition_point(|s| *s <= offset).saturating_sub(1);
        let end = starts.get(line + 1).map_or(self.text.len() as u32, |s| s - 1);
        Span::new(self.id, starts[line] as usize, end as usize)
    }

    /// The span of the whole file.
    pub fn span(&self) -> Span {
        Span::new(self.id, 0, self.text.len())
    }

    pub fn slice(&self, span: Span) -> &str {
        &self.text[span.range()]
    }

    /// Lines split on `\n` only, as Proxmox's Perl parsers split them: a trailing `\r`
    /// stays part of the line. Yields `(span of the line without the newline, text)`.
    pub fn lines(&self) -> impl Iterator<Item = (Span, &str)> + '_ {
        let id = self.id;
        let text = self.text.as_str();
        let mut pos = 0usize;
        std::iter::from_fn(move || {
            if pos > text.len() || (pos == text.len() && (pos == 0 || text.ends_with('\n'))) {
                return None;
            }
            let rest = &text[pos..];
            let len = rest.find('\n').unwrap_or(rest.len());
            let item = (Span::new(id, pos, pos + len), &rest[..len]);
            pos += len + 1;
            Some(item)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_and_lines() {
        let f = SourceFile::new(FileId(0), "x", "ab\nçd\n\nx".to_string());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(5), (2, 2)); // after the 2-byte ç
        assert_eq!(f.line_col(7), (3, 1));
        assert_eq!(f.line_col(8), (4, 1));
    }

    /// The index answers what counting characters from the line start answers.
    #[test]
    fn line_col_matches_counting() {
        let text = "aé\n€x\r\n\n𝄞é a\nzz";
        let f = SourceFile::new(FileId(0), "x", text.to_string());
        for offset in (0..=text.len()).filter(|i| text.is_char_boundary(*i)) {
            let line = text[..offset].matches('\n').count();
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            assert_eq!(f.line_col(offset as u32), (line + 1, text[start..offset].chars().count() + 1), "{offset}");
        }
    }

    #[test]
    fn lines_keep_cr_and_skip_final_newline() {
        let f = SourceFile::new(FileId(0), "x", "a\r\n\nb\n".to_string());
        let lines: Vec<&str> = f.lines().map(|(_, l)| l).collect();
        assert_eq!(lines, vec!["a\r", "", "b"]);
        let f = SourceFile::new(FileId(0), "x", "a\nb".to_string());
        assert_eq!(f.lines().count(), 2);
        let f = SourceFile::new(FileId(0), "x", String::new());
        assert_eq!(f.lines().count(), 0);
    }
}
