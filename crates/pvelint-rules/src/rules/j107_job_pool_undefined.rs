//! J107: a backup job selects a `pool` that user.cfg does not define.

use crate::context::Context;
use pvelint_parse::vzdump_opts::VzdumpOptions;
use pvelint_parse::{Diagnostic, Severity};

crate::declare_rule!(
    JobPoolUndefined,
    "J107",
    "job-pool-undefined",
    Error,
    "A backup job selects a pool that user.cfg does not define, so every run fails."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // Only when user.cfg is in the tree: otherwise the pools are unknown.
    if ctx.tree.user.is_none() {
        return;
    }
    let mut check_opts = |opts: &VzdumpOptions, what: String, object: &str, enabled: bool| {
        let Some(pool) = opts.pool() else { return };
        if pool.value.is_empty() || ctx.pool(&pool.value).is_some() {
            return;
        }
        let mut d = META
            .at(
                pool.span,
                format!(
                    "{what} backs up the members of pool '{}', but user.cfg defines no such pool; vzdump dies with \"pool '{}' does not exist\", so every run fails and no guest is backed up",
                    pool.value, pool.value
                ),
            )
            .with_object(object)
            .with_key("pool");
        let same_case = ctx.pool_ignoring_case(&pool.value);
        d = match same_case {
            Some(p) => d.with_help(format!("pool names are case-sensitive: write 'pool {}'", p.name.value)),
            None => d.with_help(
                "create the pool (Datacenter → Permissions → Pools) or select the guests with `vmid` or `all`",
            ),
        };
        if !enabled {
            d = d.with_severity(Severity::Warning);
        }
        out.push(d);
    };
    if let Some(jobs) = &ctx.tree.jobs {
        for job in jobs.vzdump_jobs() {
            check_opts(&job.opts, format!("backup job '{}'", job.id.value), &job.object(), job.enabled);
        }
    }
    if let Some(cron) = &ctx.tree.vzdump_cron {
        for e in &cron.entries {
            let line = ctx.tree.file(e.line.file).line_col(e.line.start).0;
            check_opts(&e.opts, format!("the vzdump.cron job on line {line}"), "file", e.enabled);
        }
    }
}
