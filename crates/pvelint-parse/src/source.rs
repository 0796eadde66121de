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
    /// Offsets of line starts, computed on the first [`SourceFile::line_col`]: only files
    /// with findings need them.
    line_starts: std::sync::OnceLock<Box<[u32]>>,
}

impl SourceFile {
    pub fn new(id: FileId, path: impl Into<String>, text: String) -> Self {
        SourceFile { id, path: path.into(), text: std::sync::Arc::new(text), line_starts: Default::default() }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0u32];
            starts.extend(self.text.match_indices('\n').map(|(i, _)| i as u32 + 1));
            starts.into_boxed_slice()
        })
    }

    /// 1-based line and column (column counted in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = offset.min(self.text.len() as u32);
        let line_starts = self.line_starts();
        let line = match line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = line_starts[line] as usize;
        let col = self.text.get(start..offset as usize).map_or(offset as usize - start, |t| t.chars().count()) + 1;
        (line + 1, col)
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
