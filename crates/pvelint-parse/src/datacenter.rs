//! TODO(foundation): datacenter parser — stub to be replaced.

use crate::diag::Diagnostic;
use crate::source::SourceFile;

#[derive(Clone, Debug, Default)]
pub struct Datacenter {}

pub fn parse(_file: &SourceFile, _diags: &mut Vec<Diagnostic>) -> Datacenter {
    Datacenter::default()
}
