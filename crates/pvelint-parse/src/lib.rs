//! pvelint-parse: reads the files of a Proxmox VE cluster tree (`/etc/pve` plus each
//! node's `/etc/vzdump.conf`) into a typed model in which every value keeps its span.
//!
//! Invariants: this crate does no I/O (the CLI reads the files and hands their bytes to
//! [`tree::load`]), and parsing never fails: every file yields a model and diagnostics.

pub mod calendar;
pub mod corosync;
pub mod cron;
pub mod datacenter;
pub mod diag;
pub mod facts;
pub mod guest;
pub mod ha;
pub mod jobs;
pub mod par;
pub mod propstring;
pub mod replication;
pub mod secrets;
pub mod section;
pub mod source;
pub mod span;
/// The span invariant check, for property tests and fuzz targets only (feature
/// `spancheck`; the crate's own tests turn it on).
#[cfg(any(test, feature = "spancheck"))]
pub mod spancheck;
pub mod storage;
pub mod syntax;
#[cfg(test)]
mod testutil;
pub mod text;
pub mod tree;
pub mod user;
pub mod volume;
pub mod vzdump_conf;
pub mod vzdump_opts;

pub use diag::{Diagnostic, Label, Severity};
pub use source::SourceFile;
pub use span::{FileId, Span, Spanned};
pub use tree::{load, Guest, InputFile, Tree, TreeInput};
