//! pvelint-rules: cross-file rules over the model of `pvelint-parse`.
//!
//! One rule, one file in `src/rules/`, one line in [`registry::RULES`], one document in
//! `rules/<CODE>.md` at the workspace root (embedded in the binary). Rules only read the
//! model; they never re-scan file text.

pub mod backing;
pub mod context;
pub mod fix;
pub mod graph;
pub mod ha;
pub mod mappings;
pub mod partial;
pub mod pipeline;
pub mod registry;
pub mod rules;
pub mod scenario;
pub mod sdn;
pub mod wording;

pub use context::Context;
pub use pvelint_parse::{Applicability, Diagnostic, Edit, Fix, Label, Severity};
pub use registry::{find, run, Rule, RuleMeta, RULES};
