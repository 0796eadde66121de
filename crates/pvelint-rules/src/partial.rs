//! The partial-tree policy, one rule for every check (docs/architecture.md, "Partial
//! trees"). A copy of `/etc/pve` may lack files: a rule that needs an input the tree does
//! not have is not run at all (the runner skips it, [`crate::registry::run`]), and C104
//! says once per missing input which checks are off. No rule decides this on its own.
//!
//! The inputs:
//! * [`Input::StorageCfg`]: `storage.cfg`. Without it, which storages exist is unknown.
//! * [`Input::Guests`]: the guest inventory, `nodes/` (a node directory, even one without
//!   guests, says that the inventory was copied). Without it, which guests exist is
//!   unknown.
//! * [`Input::NodeList`]: the cluster's nodes, from `corosync.conf` (else the local node of
//!   a standalone tree, from the `local` link or `.members`).
//! * [`Input::Mappings`]: at least one of `mapping/pci.cfg`, `usb.cfg`, `directory.cfg`.
//!   Without any, whether the copy left the mappings out is unknown.

use crate::context::Context;
use pvelint_parse::FileId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    StorageCfg,
    Guests,
    NodeList,
    Mappings,
}

pub const INPUTS: [Input; 4] = [Input::StorageCfg, Input::Guests, Input::NodeList, Input::Mappings];

/// The inputs a rule needs; every code not listed needs none (or reads only the file it
/// checks, and has nothing to say without it).
pub fn needs(code: &str) -> &'static [Input] {
    match code {
        "G101" | "G102" | "G103" | "G104" | "G105" | "J101" | "J102" | "J103" | "J109" | "J110" | "R103" | "R104"
        | "V101" | "V102" | "V103" => &[Input::StorageCfg],
        "H101" | "R101" | "J105" => &[Input::Guests],
        "C102" | "H102" | "J104" | "R102" | "S101" | "X103" => &[Input::NodeList],
        "X101" => &[Input::Mappings],
        _ => &[],
    }
}

impl Input {
    /// Whether the tree has this input.
    pub fn present(self, ctx: &Context) -> bool {
        match self {
            Input::StorageCfg => ctx.tree.storage.file.is_some(),
            Input::Guests => !ctx.tree.guests.is_empty() || !ctx.tree.node_dirs.is_empty(),
            Input::NodeList => ctx.nodes.is_some(),
            Input::Mappings => ctx.tree.mappings.iter().next().is_some(),
        }
    }

    /// What is missing, for the message.
    pub fn missing(self) -> &'static str {
        match self {
            Input::StorageCfg => "storage.cfg is not in this tree",
            Input::Guests => "this tree has no nodes/ directory (no guest configs)",
            Input::NodeList => "this tree has no corosync.conf and no local node (`local` link or .members)",
            Input::Mappings => "this tree has no mapping/ files (pci.cfg, usb.cfg, directory.cfg)",
        }
    }

    /// What the checks it turns off would compare.
    pub fn checks(self) -> &'static str {
        match self {
            Input::StorageCfg => "compare guest volumes, backup jobs and vzdump paths with the storage definitions",
            Input::Guests => "compare HA resources, replication jobs and backup job selections with the guests",
            Input::NodeList => {
                "compare node names in storage.cfg, jobs, HA, replication and mappings with the cluster's nodes"
            }
            Input::Mappings => "compare the VMs' `mapping=` and `dirid=` with the resource mappings",
        }
    }

    /// The first file that the checks turned off would have examined, if any: only then
    /// is the missing input worth a word.
    pub fn subject(self, ctx: &Context) -> Option<FileId> {
        let t = ctx.tree;
        let jobs = t.jobs.as_ref().filter(|j| j.vzdump_jobs().next().is_some()).map(|j| j.file);
        let cron = t.vzdump_cron.as_ref().filter(|c| !c.entries.is_empty()).map(|c| c.file);
        let repl = t.replication.as_ref().filter(|r| !r.jobs.is_empty()).map(|r| r.file);
        match self {
            Input::StorageCfg => t
                .guests
                .iter()
                .find(|g| !g.volumes.is_empty())
                .map(|g| g.file)
                .or(jobs)
                .or(cron)
                .or_else(|| t.vzdump_confs.values().next().map(|c| c.file))
                .or(repl),
            Input::Guests => {
                let selecting = t.jobs.as_ref().filter(|j| {
                    j.vzdump_jobs().any(|job| !job.opts.vmids().is_empty() || !job.opts.excludes().is_empty())
                });
                t.ha.resources
                    .as_ref()
                    .filter(|r| !r.resources.is_empty())
                    .map(|r| r.file)
                    .or(repl)
                    .or(selecting.map(|j| j.file))
                    .or(cron)
            }
            Input::NodeList => t
                .guests
                .first()
                .map(|g| g.file)
                .or(t.storage.file.filter(|_| t.storage.storages.iter().any(|s| s.nodes.is_some())))
                .or(t.jobs.as_ref().filter(|j| j.vzdump_jobs().any(|job| job.node().is_some())).map(|j| j.file))
                .or(t.ha.groups.as_ref().map(|g| g.file))
                .or(t.ha.rules.as_ref().map(|r| r.file))
                .or(repl),
            Input::Mappings => ctx.mapping_refs().first().map(|r| r.guest.file),
        }
    }
}

/// Whether every input the rule needs is present.
pub fn can_run(code: &str, ctx: &Context) -> bool {
    needs(code).iter().all(|i| i.present(ctx))
}

/// The codes that need `input`, in code order.
pub fn codes_needing(input: Input) -> Vec<&'static str> {
    crate::registry::RULES.iter().map(|r| r.meta().code).filter(|c| needs(c).contains(&input)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code of the table is a rule, and rules/C104.md gives the right counts.
    #[test]
    fn the_table_names_real_rules_and_c104_counts_them() {
        let codes: Vec<&str> = crate::registry::RULES.iter().map(|r| r.meta().code).collect();
        for c in ["G101", "G102", "G103", "G104", "G105", "J101", "J102", "J103", "J109", "J110", "R103", "R104"]
            .into_iter()
            .chain(["V101", "V102", "V103", "H101", "R101", "J105", "C102", "H102", "J104", "R102", "S101"])
        {
            assert!(codes.contains(&c), "{c} is not a rule");
            assert!(!needs(c).is_empty(), "{c}");
        }
        let doc = crate::registry::doc("C104");
        assert_eq!(codes_needing(Input::StorageCfg).len(), 15);
        assert!(doc.contains("15 checks"), "rules/C104.md");
        assert_eq!(codes_needing(Input::Guests), ["H101", "J105", "R101"]);
        assert_eq!(codes_needing(Input::NodeList), ["C102", "H102", "J104", "R102", "S101", "X103"]);
        assert_eq!(codes_needing(Input::Mappings), ["X101"]);
    }
}
