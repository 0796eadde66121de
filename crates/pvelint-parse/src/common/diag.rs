//! The diagnostic type shared by the parser (syntax diagnostics, codes `P…`) and the
//! rules crate (cross-file rules). Rendering happens only in the CLI.

use crate::span::Span;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A secondary location, possibly in another file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// `P001`… for syntax, rule codes for rules.
    pub code: &'static str,
    /// kebab-case name of the problem.
    pub name: &'static str,
    pub severity: Severity,
    /// States the fact, naming the objects involved.
    pub message: String,
    /// Where the user must edit.
    pub span: Span,
    pub labels: Vec<Label>,
    /// What to change.
    pub help: Option<String>,
    /// The object the finding is about (`storage:NAME`, `guest:VMID`, `job:ID`,
    /// `node:NAME`, `file`), for fingerprints and per-object configuration.
    pub object: Option<String>,
    /// The key (or other part of the object) the finding is about, for fingerprints.
    pub key: Option<String>,
    /// The automatic fix, when the rule offers one (`--diff`, `--fix`, `--format
    /// commands`; docs/user-guide.md "Fixing findings").
    pub fix: Option<Box<Fix>>,
}

/// Whether applying a fix keeps what Proxmox does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Proxmox reads the fixed file exactly as it read the old one, with the meaning the
    /// admin visibly intended.
    Safe,
    /// The fix changes what Proxmox does (applied only with `--unsafe-fixes`).
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// One replacement of a byte range of one file (`span.file`). An empty span inserts,
/// an empty replacement deletes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// An automatic fix of a finding: byte-precise edits of the tree's files and, where
/// Proxmox has one, the command line that makes the same change on a live cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, in one sentence ("remove the `dumpdir` line").
    pub message: String,
    /// Sorted by span; never overlapping one another.
    pub edits: Vec<Edit>,
    /// The Proxmox command line (shell-quoted) that applies the fix on a live cluster.
    pub command: Option<String>,
}

impl Fix {
    pub fn new(applicability: Applicability, message: impl Into<String>, mut edits: Vec<Edit>) -> Self {
        edits.sort();
        Fix { applicability, message: message.into(), edits, command: None }
    }

    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(Applicability::Safe, message, edits)
    }

    pub fn unsafe_(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(Applicability::Unsafe, message, edits)
    }

    pub fn with_command(mut self, command: impl Into<String>) -> Self {
        self.command = Some(command.into());
        self
    }
}

impl Edit {
    pub fn replace(span: Span, replacement: impl Into<String>) -> Self {
        Edit { span, replacement: replacement.into() }
    }

    pub fn delete(span: Span) -> Self {
        Edit { span, replacement: String::new() }
    }

    pub fn insert(file: crate::span::FileId, at: u32, text: impl Into<String>) -> Self {
        Edit { span: Span { file, start: at, end: at }, replacement: text.into() }
    }
}

impl Diagnostic {
    pub fn new(
        code: &'static str,
        name: &'static str,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            name,
            severity,
            message: message.into(),
            span,
            labels: Vec::new(),
            help: None,
            object: None,
            key: None,
            fix: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label { span, message: message.into() });
        self
    }

    pub fn with_object(mut self, object: impl Into<String>) -> Self {
        self.object = Some(object.into());
        self
    }

    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(Box::new(fix));
        self
    }

    /// [`Diagnostic::with_fix`] when there is one.
    pub fn with_fix_opt(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix.map(Box::new);
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Labels for the related places of a finding, at most [`MAX_RELATED`] of them: when
    /// there are more, the last label shown says how many were left out ("… (and 12
    /// more)"). Only the labels shown are formatted (`label` is called at most
    /// [`MAX_RELATED`] times), so a finding about n places costs O(1) to build.
    pub fn with_related<T>(self, items: impl IntoIterator<Item = T>, label: impl FnMut(T) -> (Span, String)) -> Self {
        let items: Vec<T> = items.into_iter().collect();
        let total = items.len();
        self.with_related_of(items, total, label)
    }

    /// [`Diagnostic::with_related`] when the number of places is known (`total`): `items`
    /// is read for the first [`MAX_RELATED`] only, so a finding about one of n places that
    /// share it costs O(1), not O(n).
    pub fn with_related_of<T>(
        mut self,
        items: impl IntoIterator<Item = T>,
        total: usize,
        mut label: impl FnMut(T) -> (Span, String),
    ) -> Self {
        let mut shown = 0;
        for item in items.into_iter().take(MAX_RELATED) {
            let (span, message) = label(item);
            self.labels.push(Label { span, message });
            shown += 1;
        }
        if shown > 0 && total > shown {
            let last = self.labels.last_mut().expect("a label was pushed");
            last.message.push_str(&format!(" (and {} more)", thousands(total - shown)));
        }
        self
    }
}

/// How many related places (labels) a finding names, and how many items a message
/// lists, at most: the rest is counted ("and N more"), so that the output stays linear
/// in the size of the tree whatever its shape.
pub const MAX_RELATED: usize = 5;

/// The longest value (in characters) a message or label quotes; longer values are cut
/// with an ellipsis ([`quote_bounded`]).
pub const MAX_QUOTED: usize = 64;

/// `items` joined with `sep`, at most [`MAX_RELATED`] of them, then " and N more"; the
/// last two of a full list are joined with `last_sep` (`", "` and `" and "`: `a, b and
/// c`). Only the items shown are formatted.
pub fn bounded_list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>, sep: &str, last_sep: &str) -> String {
    let items: Vec<T> = items.into_iter().collect();
    let total = items.len();
    bounded_list_of(items, total, sep, last_sep)
}

/// [`bounded_list`] when the number of items is known (`total`): only the items shown
/// are read and formatted.
pub fn bounded_list_of<T: std::fmt::Display>(
    items: impl IntoIterator<Item = T>,
    total: usize,
    sep: &str,
    last_sep: &str,
) -> String {
    let shown: Vec<String> = items.into_iter().take(MAX_RELATED).map(|i| i.to_string()).collect();
    let more = total.saturating_sub(shown.len());
    let mut out = String::new();
    for (i, s) in shown.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == shown.len() && more == 0 { last_sep } else { sep });
        }
        out.push_str(s);
    }
    if more > 0 {
        out.push_str(&format!(" and {} more", thousands(more)));
    }
    out
}

/// A value to quote in a message or label, cut to [`MAX_QUOTED`] characters (with `…`
/// and the full length) when longer.
pub fn quote_bounded(value: &str) -> std::borrow::Cow<'_, str> {
    match value.char_indices().nth(MAX_QUOTED) {
        None => std::borrow::Cow::Borrowed(value),
        Some((cut, _)) => {
            std::borrow::Cow::Owned(format!("{}… ({} characters)", &value[..cut], thousands(value.chars().count())))
        }
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    #[test]
    fn related_labels_are_bounded() {
        let d = Diagnostic::new("X", "x", Severity::Error, Span::new(FileId(0), 0, 1), "m")
            .with_related(0..12, |i| (Span::new(FileId(0), i, i + 1), format!("place {i}")));
        assert_eq!(d.labels.len(), MAX_RELATED);
        assert_eq!(d.labels[4].message, "place 4 (and 7 more)");
        let d = Diagnostic::new("X", "x", Severity::Error, Span::new(FileId(0), 0, 1), "m")
            .with_related(0..5, |i| (Span::new(FileId(0), i, i + 1), format!("place {i}")));
        assert_eq!(d.labels[4].message, "place 4");
    }

    #[test]
    fn lists_and_quotes_are_bounded() {
        assert_eq!(bounded_list(["a"], ", ", " and "), "a");
        assert_eq!(bounded_list(["a", "b", "c"], ", ", " and "), "a, b and c");
        assert_eq!(bounded_list(1..=7, ", ", " and "), "1, 2, 3, 4, 5 and 2 more");
        assert_eq!(bounded_list(0..1234, ", ", " and ").len(), "0, 1, 2, 3, 4 and 1,229 more".len());
        assert_eq!(quote_bounded("short"), "short");
        let long = "é".repeat(100);
        let q = quote_bounded(&long);
        assert!(q.starts_with(&"é".repeat(MAX_QUOTED)) && q.ends_with("… (100 characters)"), "{q}");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(123456), "123,456");
    }
}
