//! Source locations. Every value of the model keeps the [`Span`] it was read from.

use serde::Serialize;

/// Index of a file in [`crate::Tree::files`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

/// A byte range `start..end` inside one file. Always on UTF-8 character boundaries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span { file, start: start as u32, end: end as u32 }
    }

    /// Sub-range of this span, `start..end` relative to `self.start`.
    pub fn sub(self, start: usize, end: usize) -> Self {
        Span { file: self.file, start: self.start + start as u32, end: self.start + end as u32 }
    }

    /// An empty span at the start of this one.
    pub fn at_start(self) -> Self {
        Span { end: self.start, ..self }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The text of this span in its file's text (`""` if it does not fit, which a span
    /// of the model never does).
    pub fn of(self, file_text: &str) -> &str {
        file_text.get(self.range()).unwrap_or("")
    }

    /// This span with the text it covers.
    pub fn spanned(self, file_text: &str) -> Spanned<&str> {
        Spanned::new(self.of(file_text), self)
    }
}

/// A value together with the place it came from.
///
/// For an *effective* value that Proxmox computes (a default), the span points at the
/// construct that implies it, usually the section header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

impl Spanned<String> {
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

impl<'a> Spanned<&'a str> {
    /// The sub-slice `start..end` (byte offsets into the value) with its span; empty if
    /// the range does not fit.
    pub fn sub(&self, start: usize, end: usize) -> Spanned<&'a str> {
        match self.value.get(start..end) {
            Some(t) => Spanned::new(t, self.span.sub(start, end)),
            None => Spanned::new("", self.span.at_start()),
        }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}
