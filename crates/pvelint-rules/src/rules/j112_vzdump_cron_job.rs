//! J112: backup jobs still in the legacy vzdump.cron (run by cron on every node, maybe
//! twice when the same job is also in jobs.cfg), and jobs.cfg keys PVE 9 drops.

use crate::context::Context;
use pvelint_parse::cron::CronEntry;
use pvelint_parse::jobs::Job;
use pvelint_parse::{Diagnostic, Severity};
use pvelint_parse::diag::bounded_list;
use pvelint_parse::vzdump_opts::VzdumpOptions;
use std::collections::HashSet;

crate::declare_rule!(
    VzdumpCronJob,
    "J112",
    "vzdump-cron-job",
    Info,
    "A backup job still lives in the legacy vzdump.cron (or a job uses notification keys PVE 9 drops)."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if let Some(cron) = &ctx.tree.vzdump_cron {
        // Each job's guests are worked out once, not once per cron line.
        let jobs: Vec<Guests> =
            ctx.tree.jobs.iter().flat_map(|j| j.vzdump_jobs()).filter(|j| j.enabled).map(Guests::of_job).collect();
        for e in cron.entries.iter().filter(|e| e.enabled) {
            let line = ctx.tree.file(e.line.file).line_col(e.line.start).0;
            let mine = Guests::new(&e.opts, None);
            let twins: Vec<&Job> = jobs
                .iter()
                .filter(|j| j.job.is_some_and(|job| same_time(job, e)) && same_guests(ctx, j, &mine))
                .filter_map(|j| j.job)
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
                let names = bounded_list(twins.iter().map(|j| format!("'{}'", j.id.value)), ", ", ", ");
                d.message.push_str(&format!(
                    "; jobs.cfg has {} for the same guests at the same time, so they are backed up twice and the runs queue for the node's vzdump lock",
                    if twins.len() == 1 { format!("job {names}") } else { format!("jobs {names}") }
                ));
                d = d
                    .with_severity(Severity::Warning)
                    .with_help("the job exists in jobs.cfg already: remove this line from vzdump.cron")
                    .with_related(twins, |j| (j.id.span, "the same job in jobs.cfg".to_string()));
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

/// What a job or cron line selects, computed once: `all`, the VMIDs it names, and
/// (on first use) the VMIDs of the guests it selects.
struct Guests<'a> {
    job: Option<&'a Job>,
    opts: &'a VzdumpOptions,
    all: bool,
    raw: HashSet<u32>,
    selected: std::cell::OnceCell<HashSet<u32>>,
}

impl<'a> Guests<'a> {
    fn new(opts: &'a VzdumpOptions, job: Option<&'a Job>) -> Self {
        Guests {
            job,
            opts,
            all: opts.all() || !opts.excludes().is_empty(),
            raw: opts.vmids().iter().map(|v| v.value).collect(),
            selected: Default::default(),
        }
    }

    fn of_job(job: &'a Job) -> Self {
        Guests::new(&job.opts, Some(job))
    }

    fn selected(&self, ctx: &Context) -> &HashSet<u32> {
        self.selected.get_or_init(|| ctx.selected_guests(self.opts).iter().map(|g| g.vmid).collect())
    }
}

/// Two sets share an element (iterating the smaller one).
fn overlap(a: &HashSet<u32>, b: &HashSet<u32>) -> bool {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small.iter().any(|x| large.contains(x))
}

fn same_guests(ctx: &Context, job: &Guests, e: &Guests) -> bool {
    if job.all && e.all {
        return true;
    }
    overlap(&job.raw, &e.raw) || overlap(job.selected(ctx), e.selected(ctx))
}
