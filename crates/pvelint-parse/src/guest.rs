//! TODO(foundation): guest config parser — stub to be replaced.

use crate::diag::Diagnostic;
use crate::source::SourceFile;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GuestKind {
    Lxc,
    Qemu,
}

impl GuestKind {
    /// `CT` or `VM`.
    pub fn short(self) -> &'static str {
        match self {
            GuestKind::Lxc => "CT",
            GuestKind::Qemu => "VM",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct GuestConfig {}

pub fn parse(_file: &SourceFile, _kind: GuestKind, _vmid: u32, _diags: &mut Vec<Diagnostic>) -> GuestConfig {
    GuestConfig::default()
}
