//! TODO(foundation): cron parser — stub to be replaced.

use crate::diag::Diagnostic;
use crate::source::SourceFile;

#[derive(Clone, Debug, Default)]
pub struct VzdumpCron {}

pub fn parse(_file: &SourceFile, _diags: &mut Vec<Diagnostic>) -> VzdumpCron {
    VzdumpCron::default()
}
