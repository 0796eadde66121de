//! The syntax diagnostics (codes `P…`): places where Proxmox reads something other than
//! what the admin wrote. Each code has a document `rules/<CODE>.md`.

use crate::diag::{Diagnostic, Severity};
use crate::span::Span;

/// Code, kebab-case name, default severity and one-line summary of a syntax diagnostic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntaxCode {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

impl SyntaxCode {
    /// A diagnostic of this code with its default severity.
    pub fn at(&self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.code, self.name, self.severity, span, message)
    }
}

macro_rules! codes {
    ($($ident:ident = $code:literal, $name:literal, $sev:ident, $summary:literal;)*) => {
        $(pub const $ident: SyntaxCode = SyntaxCode {
            code: $code, name: $name, severity: Severity::$sev, summary: $summary,
        };)*
        /// All syntax codes, in code order.
        pub const ALL: &[SyntaxCode] = &[$($ident),*];
    };
}

codes! {
    BLANK_LINE_NOT_EMPTY = "P001", "separator-line-not-empty", Error,
        "A line that looks blank holds spaces, tabs or a CR, so it does not end the section.";
    HEADER_WITHOUT_SEPARATOR = "P002", "section-header-not-separated", Error,
        "A section header follows the previous section without an empty line, so Proxmox ignores it and merges its keys into the previous section.";
    CRLF = "P003", "crlf-line-endings", Warning,
        "The file has CR-LF line endings, which Proxmox's parsers do not strip.";
    UNPARSABLE_LINE = "P004", "unparsable-line", Error,
        "A line that Proxmox cannot parse and ignores.";
    INDENTED_HEADER = "P005", "indented-section-header", Error,
        "A section header that does not start in column 0 is not read as a header.";
    DUPLICATE_KEY = "P006", "duplicate-key", Warning,
        "A key is set twice; only one of the values is used.";
    UNKNOWN_KEY = "P007", "unknown-key", Warning,
        "A key that Proxmox does not know for this file or section type.";
    INVALID_VALUE = "P008", "invalid-value", Error,
        "A value that fails its format, so Proxmox drops it or uses something else.";
    MISSING_VALUE = "P009", "missing-value", Error,
        "A key written without a value where a value is required.";
    UNKNOWN_SECTION_TYPE = "P010", "unknown-section-type", Warning,
        "A section type that Proxmox does not know; the whole section is skipped.";
    INVALID_SECTION_ID = "P011", "invalid-section-id", Error,
        "A section ID that fails its format; the whole section is skipped.";
    MISSING_REQUIRED_KEY = "P012", "missing-required-key", Error,
        "A section lacks a required key; Proxmox cannot use it and every write of the file fails.";
    DUPLICATE_SECTION_ID = "P013", "duplicate-section-id", Error,
        "Two sections with the same ID; the later one replaces the earlier one.";
    SECTION_SWALLOWED = "P014", "section-silently-discarded", Error,
        "A section directly after a skipped section is discarded without any warning.";
    UNREADABLE_FILE = "P015", "unreadable-file", Error,
        "A file that cannot be read as a Proxmox configuration (not text, too large, not a regular file).";
    INVALID_FACTS = "P016", "invalid-facts-file", Error,
        "A node's facts.json that is not facts of this schema, or names another node than its folder; the node counts as having no facts.";
    STRICT_FILE_REJECTED = "P017", "strict-file-rejected", Error,
        "A line that Proxmox's strict section-config parser (notifications.cfg) rejects: the whole file fails to load.";
}

/// Looks a syntax code up by its code (`P001`) or name.
pub fn find(code_or_name: &str) -> Option<&'static SyntaxCode> {
    ALL.iter().find(|c| c.code.eq_ignore_ascii_case(code_or_name) || c.name == code_or_name)
}
