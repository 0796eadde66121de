//! pvelint-parse: reads the files of a Proxmox VE cluster tree (`/etc/pve` plus each
//! node's `/etc/vzdump.conf`) into a typed model in which every value keeps its span.
//!
//! `common/` holds the machinery the readers share, `readers/` one reader per file format,
//! `tree.rs` the loader that classifies paths and runs the readers.
//!
//! Invariants: this crate does no I/O (the CLI reads the files and hands their bytes to
//! [`tree::load`]), and parsing never fails: every file yields a model and diagnostics.

pub mod common;
pub mod readers;
#[cfg(test)]
mod testutil;
pub mod tree;

// The modules keep their short paths (`pvelint_parse::storage`, `pvelint_parse::span`).
#[cfg(any(test, feature = "spancheck"))]
pub use common::spancheck;
pub use common::{calendar, diag, par, propstring, secrets, section, source, span, syntax, text, volume};
pub use readers::{
    ceph_conf, corosync, cpu_models, cron, datacenter, facts, firewall, guest, ha, jobs, mapping, notifications,
    replication, sdn, storage, user, vzdump_conf, vzdump_opts,
};

pub use diag::{Applicability, Diagnostic, Edit, Fix, Label, Severity};
pub use source::SourceFile;
pub use span::{FileId, Span, Spanned};
pub use tree::{load, Guest, InputFile, Tree, TreeInput};
