//! TODO(foundation): jobs parser — stub to be replaced.

use crate::diag::Diagnostic;
use crate::source::SourceFile;

#[derive(Clone, Debug, Default)]
pub struct JobsConfig {}

pub fn parse(_file: &SourceFile, _diags: &mut Vec<Diagnostic>) -> JobsConfig {
    JobsConfig::default()
}
