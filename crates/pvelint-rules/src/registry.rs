//! The rule registry: every rule, in code order, with its metadata and document.

use crate::context::Context;
use crate::rules;
use pvelint_parse::{syntax, Diagnostic, Severity};

/// What `pvelint rule --all` lists about a rule.
#[derive(Clone, Copy, Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    /// kebab-case name of the problem.
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The rule's document, `rules/<CODE>.md`.
    pub doc: &'static str,
}

impl RuleMeta {
    /// A diagnostic of this rule with its default severity.
    pub fn at(&self, span: pvelint_parse::Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.code, self.name, self.severity, span, message)
    }
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &Context, out: &mut Vec<Diagnostic>);
}

/// Embeds `rules/<CODE>.md`.
#[macro_export]
macro_rules! rule_doc {
    ($code:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules/", $code, ".md"))
    };
}

/// Declares a rule: its type, its metadata (with the document `rules/<CODE>.md`) and its
/// `Rule` impl, which calls the module's `fn check(ctx: &Context, out: &mut Vec<Diagnostic>)`.
#[macro_export]
macro_rules! declare_rule {
    ($ty:ident, $code:literal, $name:literal, $sev:ident, $summary:literal) => {
        pub struct $ty;

        pub static META: $crate::registry::RuleMeta = $crate::registry::RuleMeta {
            code: $code,
            name: $name,
            severity: pvelint_parse::Severity::$sev,
            summary: $summary,
            doc: $crate::rule_doc!($code),
        };

        impl $crate::registry::Rule for $ty {
            fn meta(&self) -> &'static $crate::registry::RuleMeta {
                &META
            }
            fn check(&self, ctx: &$crate::context::Context, out: &mut Vec<pvelint_parse::Diagnostic>) {
                check(ctx, out)
            }
        }
    };
}

/// Every cross-file rule. One line per rule.
pub static RULES: &[&dyn Rule] = &[
    &rules::c101_duplicate_vmid::DuplicateVmid,
    &rules::c102_guests_on_node_outside_cluster::GuestsOnNodeOutsideCluster,
    &rules::c103_secrets_in_tree::SecretsInTree,
    &rules::c104_partial_tree::PartialTree,
    &rules::g101_volume_storage_undefined::VolumeStorageUndefined,
    &rules::g102_volume_storage_disabled::VolumeStorageDisabled,
    &rules::g103_volume_storage_not_on_node::VolumeStorageNotOnNode,
    &rules::g104_volume_content_type_mismatch::VolumeContentTypeMismatch,
    &rules::g105_backup_volume_on_fragile_storage::BackupVolumeOnFragileStorage,
    &rules::g106_volume_used_by_several_guests::VolumeUsedBySeveralGuests,
    &rules::g107_volume_owned_by_other_guest::VolumeOwnedByOtherGuest,
    &rules::g108_backup_flag_on_bind_mount::BackupFlagOnBindMount,
    &rules::g109_stale_backup_state::StaleBackupState,
    &rules::h101_ha_resource_guest_undefined::HaResourceGuestUndefined,
    &rules::h102_ha_node_unknown::HaNodeUnknown,
    &rules::j101_backup_target_undefined::BackupTargetUndefined,
    &rules::j102_backup_target_lacks_backup_content::BackupTargetLacksBackupContent,
    &rules::j103_backup_target_unavailable::BackupTargetUnavailable,
    &rules::j104_job_node_unknown::JobNodeUnknown,
    &rules::j105_job_guest_undefined::JobGuestUndefined,
    &rules::j106_job_selection_conflict::JobSelectionConflict,
    &rules::j107_job_pool_undefined::JobPoolUndefined,
    &rules::j108_schedule_misleading::ScheduleMisleading,
    &rules::j109_job_selects_fragile_guests::JobSelectsFragileGuests,
    &rules::j110_fleecing_storage_invalid::FleecingStorageInvalid,
    &rules::j111_storage_and_dumpdir_together::StorageAndDumpdirTogether,
    &rules::j112_vzdump_cron_job::VzdumpCronJob,
    &rules::m101_moved_guest_local_bind_mount::MovedGuestLocalBindMount,
    &rules::m102_moved_guest_node_local_file::MovedGuestNodeLocalFile,
    &rules::r101_replication_guest_undefined::ReplicationGuestUndefined,
    &rules::r102_replication_target_invalid::ReplicationTargetInvalid,
    &rules::r103_replicated_volume_not_replicable::ReplicatedVolumeNotReplicable,
    &rules::r104_replicated_volume_storage_not_on_target::ReplicatedVolumeStorageNotOnTarget,
    &rules::s101_storage_node_unknown::StorageNodeUnknown,
    &rules::s102_local_storage_redefined::LocalStorageRedefined,
    &rules::s103_content_dirs_overlap::ContentDirsOverlap,
    &rules::s104_removable_dir_without_mountpoint_check::RemovableDirWithoutMountpointCheck,
    &rules::s105_storage_maxfiles::StorageMaxfiles,
    &rules::s106_glusterfs_storage::GlusterfsStorage,
    &rules::v101_vzdump_path_on_unavailable_storage::VzdumpPathOnUnavailableStorage,
    &rules::v102_vzdump_path_on_fragile_storage::VzdumpPathOnFragileStorage,
    &rules::v103_tmpdir_on_backed_up_storage::TmpdirOnBackedUpStorage,
    &rules::v104_vzdump_conf_ineffective_key::VzdumpConfIneffectiveKey,
];

/// Documents of the syntax codes (`P…`), which the parser emits.
pub static SYNTAX_DOCS: &[(&str, &str)] = &[
    ("P001", crate::rule_doc!("P001")),
    ("P002", crate::rule_doc!("P002")),
    ("P003", crate::rule_doc!("P003")),
    ("P004", crate::rule_doc!("P004")),
    ("P005", crate::rule_doc!("P005")),
    ("P006", crate::rule_doc!("P006")),
    ("P007", crate::rule_doc!("P007")),
    ("P008", crate::rule_doc!("P008")),
    ("P009", crate::rule_doc!("P009")),
    ("P010", crate::rule_doc!("P010")),
    ("P011", crate::rule_doc!("P011")),
    ("P012", crate::rule_doc!("P012")),
    ("P013", crate::rule_doc!("P013")),
    ("P014", crate::rule_doc!("P014")),
    ("P015", crate::rule_doc!("P015")),
];

/// Metadata of every code: syntax codes first, then rules.
pub fn all_meta() -> Vec<RuleMeta> {
    metas().to_vec()
}

/// The metadata table, built once.
fn metas() -> &'static [RuleMeta] {
    static METAS: std::sync::OnceLock<Vec<RuleMeta>> = std::sync::OnceLock::new();
    METAS.get_or_init(|| {
        let mut out: Vec<RuleMeta> = syntax::ALL
            .iter()
            .map(|c| RuleMeta {
                code: c.code,
                name: c.name,
                severity: c.severity,
                summary: c.summary,
                doc: SYNTAX_DOCS.iter().find(|(code, _)| *code == c.code).map_or("", |(_, d)| d),
            })
            .collect();
        out.extend(RULES.iter().map(|r| *r.meta()));
        out
    })
}

/// Finds a code by code (`P001`, any case) or name. Called once per diagnostic, so it
/// looks codes and names up in an index built once.
pub fn find(code_or_name: &str) -> Option<RuleMeta> {
    static INDEX: std::sync::OnceLock<std::collections::HashMap<String, usize>> = std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut m = std::collections::HashMap::new();
        for (i, meta) in metas().iter().enumerate() {
            m.insert(meta.code.to_string(), i);
            m.insert(meta.name.to_string(), i);
        }
        m
    });
    let i = index.get(code_or_name).or_else(|| index.get(&code_or_name.to_ascii_uppercase()))?;
    metas().get(*i).copied()
}

/// Runs the rules whose code `enabled` accepts and returns their diagnostics. A rule
/// that needs an input the tree lacks is not run (the partial-tree policy,
/// [`crate::partial`]; C104 reports it).
pub fn run(ctx: &Context, enabled: impl Fn(&RuleMeta) -> bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in RULES {
        if enabled(rule.meta()) && crate::partial::can_run(rule.meta().code, ctx) {
            rule.check(ctx, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_and_names_are_unique() {
        let metas = all_meta();
        let codes: BTreeSet<&str> = metas.iter().map(|m| m.code).collect();
        let names: BTreeSet<&str> = metas.iter().map(|m| m.name).collect();
        assert_eq!(codes.len(), metas.len(), "duplicate code");
        assert_eq!(names.len(), metas.len(), "duplicate name");
    }

    #[test]
    fn every_code_has_its_document() {
        for m in all_meta() {
            let first = m.doc.lines().next().unwrap_or_default();
            assert_eq!(
                first,
                format!("# {} {}", m.code, m.name),
                "rules/{}.md must start with its code and name",
                m.code
            );
            for h in ["## What it finds", "## Why it matters", "## Example", "## How to fix", "## Related"] {
                assert!(m.doc.contains(h), "rules/{}.md lacks '{h}'", m.code);
            }
            assert!(m.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{} is not kebab-case", m.name);
        }
    }

    #[test]
    fn registry_is_in_code_order() {
        let codes: Vec<&str> = RULES.iter().map(|r| r.meta().code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted);
    }
}
