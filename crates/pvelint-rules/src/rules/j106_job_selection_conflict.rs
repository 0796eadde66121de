//! J106: a backup job combines guest-selection options that Proxmox refuses (`vmid` with
//! `all`, `exclude` or `pool`) or ignores (`exclude` with `pool`).

use crate::context::Context;
use pvelint_parse::vzdump_opts::VzdumpOptions;
use pvelint_parse::{Diagnostic, Severity};

crate::declare_rule!(
    JobSelectionConflict,
    "J106",
    "job-selection-conflict",
    Error,
    "A backup job combines `vmid` with `all`, `exclude` or `pool` (the job fails), or `exclude` with `pool` (ignored)."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if let Some(jobs) = &ctx.tree.jobs {
        for job in jobs.vzdump_jobs() {
            let what = format!("backup job '{}'", job.id.value);
            check_opts(&job.opts, &what, &job.object(), job.enabled, out);
        }
    }
    if let Some(cron) = &ctx.tree.vzdump_cron {
        for e in &cron.entries {
            let line = ctx.tree.file(e.line.file).line_col(e.line.start).0;
            let what = format!("the vzdump.cron job on line {line}");
            check_opts(&e.opts, &what, "file", e.enabled, out);
        }
    }
}

fn set(opts: &VzdumpOptions, key: &str) -> bool {
    opts.get(key).is_some_and(|v| !v.value.is_empty() && v.value != "0")
}

fn check_opts(opts: &VzdumpOptions, what: &str, object: &str, enabled: bool, out: &mut Vec<Diagnostic>) {
    let vmid = opts.get("vmid").filter(|v| !v.value.trim().is_empty());
    if let Some(vmid) = vmid {
        for key in ["all", "exclude", "pool"] {
            if !set(opts, key) {
                continue;
            }
            let Some(v) = opts.get(key) else { continue };
            let mut d = META
                .at(
                    v.span,
                    format!(
                        "{what} sets both `vmid` and `{key}`; vzdump refuses the combination (\"option conflicts with option 'vmid'\"), so every run of the job fails before backing up any guest"
                    ),
                )
                .with_label(vmid.span, "guests selected here")
                .with_help(format!(
                    "keep one way of selecting guests: remove `{key}` to back up only the listed guests, or remove `vmid`"
                ))
                .with_object(object)
                .with_key(key);
            if !enabled {
                d = d.with_severity(Severity::Warning);
            }
            out.push(d);
        }
        return;
    }
    if let (Some(pool), Some(ex)) = (opts.pool(), opts.get("exclude").filter(|v| !v.value.trim().is_empty())) {
        out.push(
            META.at(
                ex.span,
                format!(
                    "{what} selects the members of pool '{}' and also sets `exclude`; vzdump takes the pool's members first and ignores `exclude`, so the excluded guests that are in the pool are still backed up",
                    pool.value
                ),
            )
            .with_severity(Severity::Warning)
            .with_label(pool.span, "the pool wins")
            .with_help("remove the guests from the pool, or replace `pool` by an explicit `vmid` list")
            .with_object(object)
            .with_key("exclude"),
        );
    }
}
