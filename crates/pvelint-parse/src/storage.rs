//! TODO(foundation): storage.cfg parser — stub to be replaced.

use crate::diag::Diagnostic;
use crate::source::SourceFile;

#[derive(Clone, Debug, Default)]
pub struct StorageConfig {}

/// `None` when the tree has no storage.cfg (only the built-in `local` exists).
pub fn parse(_file: Option<&SourceFile>, _diags: &mut Vec<Diagnostic>) -> StorageConfig {
    StorageConfig::default()
}
