//! TODO(foundation): user parser — stub to be replaced.

use crate::diag::Diagnostic;
use crate::source::SourceFile;

#[derive(Clone, Debug, Default)]
pub struct UserConfig {}

pub fn parse(_file: &SourceFile, _diags: &mut Vec<Diagnostic>) -> UserConfig {
    UserConfig::default()
}
