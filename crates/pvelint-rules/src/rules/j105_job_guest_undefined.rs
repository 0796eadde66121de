//! J105: a backup job's `vmid` or `exclude` list names a guest that does not exist.

use crate::context::Context;
use pvelint_parse::vzdump_opts::VzdumpOptions;
use pvelint_parse::{Diagnostic, Spanned};

crate::declare_rule!(
    JobGuestUndefined,
    "J105",
    "job-guest-undefined",
    Warning,
    "A backup job's `vmid` or `exclude` list names a guest that has no config in the cluster."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // Without any guest config (and no nodes/ directory) the guest list is unknown.
    if let Some(jobs) = &ctx.tree.jobs {
        for job in jobs.vzdump_jobs() {
            let what = format!("backup job '{}'", job.id.value);
            check_opts(ctx, &job.opts, &what, &job.object(), out);
        }
    }
    if let Some(cron) = &ctx.tree.vzdump_cron {
        for e in &cron.entries {
            let what = format!("the vzdump.cron job on line {}", line_of(ctx, e.line));
            check_opts(ctx, &e.opts, &what, "file", out);
        }
    }
}

fn line_of(ctx: &Context, span: pvelint_parse::Span) -> usize {
    ctx.tree.file(span.file).line_col(span.start).0
}

fn check_opts(ctx: &Context, opts: &VzdumpOptions, what: &str, object: &str, out: &mut Vec<Diagnostic>) {
    let missing = |ids: Vec<Spanned<u32>>| -> Vec<Spanned<u32>> {
        ids.into_iter().filter(|id| ctx.guest(id.value).is_none()).collect()
    };
    let where_ = match opts.node() {
        Some(n) => format!("on node '{}'", n.value),
        None => "on every node".to_string(),
    };
    for id in missing(opts.vmids()) {
        out.push(
            META.at(
                id.span,
                format!(
                    "{what} selects guest {}, but no VM or CT {} exists in the cluster; vzdump adds such IDs to the guests of every run {where_} and fails them (\"unable to find VM '{}'\"), so every run of the job ends with an error",
                    id.value, id.value, id.value
                ),
            )
            .with_help(format!("remove {} from `vmid`, or fix the ID if the guest was renumbered", id.value))
            .with_object(object)
            .with_key("vmid"),
        );
    }
    for id in missing(opts.excludes()) {
        out.push(
            META.at(
                id.span,
                format!(
                    "{what} excludes guest {}, but no VM or CT {} exists in the cluster; the entry has no effect today, and a guest created later with ID {} would silently be left out of this job's backups",
                    id.value, id.value, id.value
                ),
            )
            .with_help(format!("remove {} from `exclude`, or fix the ID if the guest was renumbered", id.value))
            .with_object(object)
            .with_key("exclude"),
        );
    }
}
