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

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}
