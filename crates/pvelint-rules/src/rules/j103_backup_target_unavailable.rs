//! J103: a backup job writes to a storage that is disabled or not available on a node
//! where the job runs.

use crate::context::{Context, StorageStatus};
use crate::wording::quote_nodes;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    BackupTargetUnavailable,
    "J103",
    "backup-target-unavailable",
    Error,
    "A backup job's target storage is disabled, or not available on a node where the job backs up guests."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (job, id, span, nodes) in ctx.enabled_job_targets() {
        let mut bad = Vec::new();
        let mut label = None;
        for node in &nodes {
            match ctx.storage_status(&id, node) {
                StorageStatus::Disabled(l) => {
                    label = Some((l, "disabled here".to_string()));
                    bad.push(node.clone());
                }
                StorageStatus::NotOnNode(l) => {
                    label = Some((l, "available only on these nodes".to_string()));
                    bad.push(node.clone());
                }
                _ => {}
            }
        }
        if bad.is_empty() {
            continue;
        }
        let why = if ctx.storage(&id).is_some_and(|s| s.is_disabled()) {
            "it is disabled".to_string()
        } else {
            format!("storage.cfg does not make it available on {}", quote_nodes(&bad))
        };
        let mut d = META
            .at(
                span.unwrap_or(job.id.span),
                format!(
                    "backup job '{}' writes to storage '{id}' on {}, but {why}; the job fails there before backing up any guest",
                    job.id.value,
                    quote_nodes(&bad)
                ),
            )
            .with_help(format!("make '{id}' available on those nodes, restrict the job with `node`, or choose another storage"))
            .with_object(job.object())
            .with_key("storage");
        if let Some((l, m)) = label {
            d = d.with_label(l, m);
        }
        out.push(d);
    }
}
