//! J101: a backup job writes to a storage that storage.cfg does not define.

use crate::context::{Context, JobTarget, SomeNodes};
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
    for t in ctx.job_targets() {
        let id = t.storage;
        let state = match ctx.storage(id) {
            None => "is not defined in storage.cfg",
            Some(s) if !s.usable => "has a definition Proxmox cannot use",
            Some(_) => continue,
        };
        out.push(finding(t, state));
    }
}

fn finding(t: &JobTarget, state: &str) -> Diagnostic {
    let id = t.storage;
    let first = t.jobs[0];
    let fails = t.fails();
    let mut d = META
        .at(
            t.set_at.unwrap_or(first.id.span),
            format!(
                "{} to storage '{id}' on {}, but '{id}' {state}; {fails} there before backing up any guest",
                t.subject("writes", "write"),
                SomeNodes::all(&t.nodes).quote()
            ),
        )
        .with_help("set `storage` to a storage with `backup` content")
        .with_object(t.object.clone())
        .with_key("storage");
    if t.set_at.is_some_and(|s| s.file != first.header.file) {
        for j in &t.jobs {
            d = d.with_label(j.id.span, "for this job");
        }
    }
    d
}
