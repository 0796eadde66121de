//! TODO(foundation): vzdump_conf parser — stub to be replaced.

use crate::diag::Diagnostic;
use crate::source::SourceFile;

#[derive(Clone, Debug, Default)]
pub struct VzdumpConf {}

pub fn parse(_file: &SourceFile, _diags: &mut Vec<Diagnostic>) -> VzdumpConf {
    VzdumpConf::default()
}
