//! J101: a backup job writes to a storage that storage.cfg does not define.

use crate::context::Context;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    BackupTargetUndefined,
    "J101",
    "backup-target-undefined",
    Error,
    "A backup job's target storage is not defined (or its definition is unusable)."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // Without storage.cfg this rule is not run at all (crate::partial).
    for (job, id, span, nodes) in ctx.enabled_job_targets() {
        let state = match ctx.storage(&id) {
            None => "is not defined in storage.cfg",
            Some(s) if !s.usable => "has a definition Proxmox cannot use",
            Some(_) => continue,
        };
        let mut d = META
            .at(
                span.unwrap_or(job.id.span),
                format!(
                    "backup job '{}' writes to storage '{id}' on {}, but '{id}' {state}; the job fails there before backing up any guest",
                    job.id.value,
                    crate::wording::quote_nodes(&nodes)
                ),
            )
            .with_help("set `storage` to a storage with `backup` content")
            .with_object(job.object())
            .with_key("storage");
        if span.is_some_and(|s| s.file != job.header.file) {
            d = d.with_label(job.id.span, "for this job");
        }
        out.push(d);
    }
}
