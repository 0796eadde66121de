//! TODO(foundation): replication parser — stub to be replaced.

use crate::diag::Diagnostic;
use crate::source::SourceFile;

#[derive(Clone, Debug, Default)]
pub struct ReplicationConfig {}

pub fn parse(_file: &SourceFile, _diags: &mut Vec<Diagnostic>) -> ReplicationConfig {
    ReplicationConfig::default()
}
