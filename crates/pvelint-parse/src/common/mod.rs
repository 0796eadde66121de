//! The machinery every reader shares: spans and source files, diagnostics and the syntax
//! codes, the section-config grammar, property strings, volume IDs, calendar events, the
//! text helpers (Perl's whitespace, lists, node names, counting and quoting), secret
//! masking, the two-thread split, and the span invariant check (tests and fuzzing only).

pub mod calendar;
pub mod diag;
pub mod par;
pub mod propstring;
pub mod secrets;
pub mod section;
pub mod source;
pub mod span;
/// The span invariant check, for property tests and fuzz targets only (feature
/// `spancheck`; the crate's own tests turn it on).
#[cfg(any(test, feature = "spancheck"))]
pub mod spancheck;
pub mod syntax;
pub mod text;
pub mod volume;
