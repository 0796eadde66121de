//! J112: backup jobs still in the legacy vzdump.cron (run by cron on every node, maybe
//! twice when the same job is also in jobs.cfg), and jobs.cfg keys PVE 9 drops.

use crate::context::Context;
use pvelint_parse::cron::CronEntry;
use pvelint_parse::diag::bounded_list;
use pvelint_parse::jobs::Job;
use pvelint_parse::vzdump_opts::VzdumpOptions;
use pvelint_parse::{Diagnostic, Severity};
use std::collections::{BTreeSet, HashMap, HashSet};

crate::declare_rule!(
    VzdumpCronJob,
    "J112",
    "vzdump-cron-job",
    Info,
    "A backup job still lives in the legacy vzdump.cron (or a job uses notification keys PVE 9 drops)."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if let Some(cron) = &ctx.tree.vzdump_cron {
        // Each job's guests are worked out once, and indexed by VMID: a cron line looks up
        // the jobs that share a guest with it instead of comparing itself with every job.
        let jobs: Vec<Guests> =
            ctx.tree.jobs.iter().flat_map(|j| j.vzdump_jobs()).filter(|j| j.enabled).map(Guests::of_job).collect();
        let mut by_raw: HashMap<u32, Vec<usize>> = HashMap::new();
        let mut by_selected: HashMap<u32, Vec<usize>> = HashMap::new();
        let mut all_jobs: Vec<usize> = Vec::new();
        for (k, j) in jobs.iter().enumerate() {
            for v in &j.raw {
                by_raw.entry(*v).or_default().push(k);
            }
            for v in j.selected(ctx) {
                by_selected.entry(*v).or_default().push(k);
            }
            if j.all {
                all_jobs.push(k);
            }
        }
        for e in cron.entries.iter().filter(|e| e.enabled) {
            let line = ctx.tree.file(e.line.file).line_col(e.line.start).0;
            let mine = Guests::new(&e.opts, None);
            let mut candidates: BTreeSet<usize> = BTreeSet::new();
            if mine.all {
                candidates.extend(all_jobs.iter().copied());
            }
            for v in &mine.raw {
                candidates.extend(by_raw.get(v).into_iter().flatten().copied());
            }
            for v in mine.selected(ctx) {
                candidates.extend(by_selected.get(v).into_iter().flatten().copied());
            }
            // Jobs in jobs.cfg order, as before.
            let twins: Vec<&Job> =
                candidates.into_iter().filter_map(|k| jobs[k].job).filter(|job| same_time(job, e)).collect();
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
