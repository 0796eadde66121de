//! J103: a backup job writes to a storage that is disabled or not available on a node
//! where the job runs.

use crate::context::{Context, StorageStatus};
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    BackupTargetUnavailable,
    "J103",
    "backup-target-unavailable",
    Error,
    "A backup job's target storage is disabled, or not available on a node where the job backs up guests."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for t in ctx.job_targets() {
        let id = t.storage;
        let Some(s) = ctx.storage(id) else { continue };
        let (label, bad) = match ctx.unavailable_on(s, &t.nodes) {
            Some((StorageStatus::Disabled(l), bad)) => ((l, "disabled here"), bad),
            Some((StorageStatus::NotOnNode(l), bad)) => ((l, "available only on these nodes"), bad),
            // Unusable definitions are J101's.
            _ => continue,
        };
        let why = if s.is_disabled() {
            "it is disabled".to_string()
        } else {
            format!("storage.cfg does not make it available on {}", bad.quote())
        };
        let fails = t.fails();
        out.push(
            META.at(
                t.set_at.unwrap_or(t.jobs[0].id.span),
                format!("{} to storage '{id}' on {}, but {why}; {fails} there before backing up any guest", t.subject("writes", "write"), bad.quote()),
            )
            .with_help(format!("make '{id}' available on those nodes, restrict the job with `node`, or choose another storage"))
            .with_object(t.object.clone())
            .with_key("storage")
            .with_label(label.0, label.1),
        );
    }
}
