//! TODO(foundation): corosync.conf parser — stub to be replaced.

use crate::diag::Diagnostic;
use crate::source::SourceFile;
use std::collections::BTreeSet;

#[derive(Clone, Debug, Default)]
pub struct Corosync {}

impl Corosync {
    pub fn node_names(&self) -> BTreeSet<String> {
        BTreeSet::new()
    }
}

pub fn parse(_file: &SourceFile, _diags: &mut Vec<Diagnostic>) -> Corosync {
    Corosync::default()
}
