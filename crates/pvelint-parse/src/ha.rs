//! TODO(foundation): ha/*.cfg parsers — stub to be replaced.

use crate::diag::Diagnostic;
use crate::source::SourceFile;

#[derive(Clone, Debug, Default)]
pub struct HaConfig {
    pub resources: Option<HaResources>,
    pub groups: Option<HaGroups>,
    pub rules: Option<HaRules>,
}

#[derive(Clone, Debug, Default)]
pub struct HaResources {}
#[derive(Clone, Debug, Default)]
pub struct HaGroups {}
#[derive(Clone, Debug, Default)]
pub struct HaRules {}

pub fn parse_resources(_file: &SourceFile, _diags: &mut Vec<Diagnostic>) -> HaResources {
    HaResources::default()
}
pub fn parse_groups(_file: &SourceFile, _diags: &mut Vec<Diagnostic>) -> HaGroups {
    HaGroups::default()
}
pub fn parse_rules(_file: &SourceFile, _diags: &mut Vec<Diagnostic>) -> HaRules {
    HaRules::default()
}
