//! J112: backup jobs still in the legacy vzdump.cron (run by cron on every node, maybe
//! twice when the same job is also in jobs.cfg), and jobs.cfg keys PVE 9 drops.

use crate::context::Context;
use pvelint_parse::cron::CronEntry;
use pvelint_parse::jobs::Job;
use pvelint_parse::{Diagnostic, Severity};
use std::collections::BTreeSet;

crate::declare_rule!(
    VzdumpCronJob,
    "J112",
    "vzdump-cron-job",
    Info,
    "A backup job still lives in the legacy vzdump.cron (or a job uses notification keys PVE 9 drops)."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if let Some(cron) = &ctx.tree.vzdump_cron {
        for e in cron.entries.iter().filter(|e| e.enabled) {
            let line = ctx.tree.file(e.line.file).line_col(e.line.start).0;
            let twins: Vec<&Job> = ctx
                .tree
                .jobs
                .iter()
                .flat_map(|j| j.vzdump_jobs())
                .filter(|j| j.enabled && same_time(j, e) && same_guests(ctx, j, e))
                .collect();
            let mut d = META
                .at(
                    e.line,
                    format!(
                        "the backup job on line {line} of vzdump.cron ({}) is a legacy cron job: /etc/cron.d/vzdump links to this file, so cron starts it on every node, outside pvescheduler",
                        e.schedule.value
                    ),
                )
                .with_help("edit the job once in Datacenter → Backup: Proxmox then moves it into jobs.cfg and removes the line")
                .with_object("file");
            if !twins.is_empty() {
                let names: Vec<String> = twins.iter().map(|j| format!("'{}'", j.id.value)).collect();
                d.message.push_str(&format!(
                    "; jobs.cfg has {} for the same guests at the same time, so they are backed up twice and the runs queue for the node's vzdump lock",
                    if names.len() == 1 { format!("job {}", names[0]) } else { format!("jobs {}", names.join(", ")) }
                ));
                d = d
                    .with_severity(Severity::Warning)
                    .with_help("the job exists in jobs.cfg already: remove this line from vzdump.cron");
                for j in twins {
                    d = d.with_label(j.id.span, "the same job in jobs.cfg");
                }
            }
            out.push(d);
        }
    }
    let Some(jobs) = &ctx.tree.jobs else { return };
    for job in jobs.vzdump_jobs() {
        for key in ["notification-policy", "notification-target"] {
            let Some(v) = job.opts.legacy.get(key) else { continue };
            out.push(
                META.at(
                    v.span,
                    format!(
                        "backup job '{}' sets `{key}`, which PVE 9 no longer knows: it drops the key when it reads jobs.cfg (and pve8to9 fails on it), so the job's notifications follow `notification-mode` and the notification matchers instead",
                        job.id.value
                    ),
                )
                .with_severity(Severity::Warning)
                .with_help("remove the line and configure notifications with `notification-mode notification-system` and a matcher (Datacenter → Notifications)")
                .with_object(job.object())
                .with_key(key),
            );
        }
    }
}

fn same_time(job: &Job, e: &CronEntry) -> bool {
    let Some(Ok(ev)) = &job.calendar else { return false };
    (0..7u32).any(|d| e.weekdays & (1 << d) != 0 && ev.on_weekday(d)) && ev.matches_time(e.hour, e.minute, 0)
}

fn same_guests(ctx: &Context, job: &Job, e: &CronEntry) -> bool {
    let all = |o: &pvelint_parse::vzdump_opts::VzdumpOptions| o.all() || !o.excludes().is_empty();
    if all(&job.opts) && all(&e.opts) {
        return true;
    }
    let raw = |o: &pvelint_parse::vzdump_opts::VzdumpOptions| -> BTreeSet<u32> {
        o.vmids().iter().map(|v| v.value).collect()
    };
    if !raw(&job.opts).is_disjoint(&raw(&e.opts)) {
        return true;
    }
    let a: BTreeSet<u32> = ctx.selected_guests(&job.opts).iter().map(|g| g.vmid).collect();
    ctx.selected_guests(&e.opts).iter().any(|g| a.contains(&g.vmid))
}
