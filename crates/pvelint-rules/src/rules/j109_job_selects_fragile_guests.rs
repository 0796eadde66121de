//! J109: a backup job selects guests whose backups depend on missing, misplaced or
//! single-node storage, or runs on a node whose vzdump tmpdir/dumpdir is on such storage.

use crate::context::{Context, PathOwner, StorageStatus};
use pvelint_parse::{Diagnostic, Label, Span};

crate::declare_rule!(
    JobSelectsFragileGuests,
    "J109",
    "job-selects-fragile-guests",
    Warning,
    "A backup job covers guests or nodes whose backups depend on a missing, misplaced or single-node storage."
);

/// At most this many labels per diagnostic; the message gives the total.
const MAX_LABELS: usize = 8;

/// A backed-up volume of a guest whose storage is missing, misplaced or single-node.
struct GuestHazard {
    span: Span,
    key: String,
    why: &'static str,
}

impl GuestHazard {
    fn broken(&self) -> bool {
        self.why != "single-node storage"
    }
}

/// The hazards of every guest, computed once for all jobs: `hazards[start[i]..start[i + 1]]`
/// belong to `tree.guests[i]`.
fn guest_hazards(ctx: &Context) -> (Vec<GuestHazard>, Vec<usize>) {
    let mut hazards = Vec::new();
    let mut start = Vec::with_capacity(ctx.tree.guests.len() + 1);
    for g in &ctx.tree.guests {
        start.push(hazards.len());
        for v in ctx.volumes_of(g.vmid).filter(|v| v.backed_up()) {
            if !v.is_volume() {
                continue;
            }
            let why = match ctx.status_of(v.storage, &g.node) {
                StorageStatus::Undefined | StorageStatus::Unusable => "storage not defined",
                StorageStatus::Disabled(_) => "storage disabled",
                StorageStatus::NotOnNode(_) => "storage not on this node",
                StorageStatus::Available if ctx.on_extra_fragile_device(v) => "single-node storage",
                StorageStatus::Available => continue,
            };
            hazards.push(GuestHazard { span: v.vol.value, key: v.key().to_string(), why });
        }
    }
    start.push(hazards.len());
    (hazards, start)
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(jobs) = &ctx.tree.jobs else { return };
    let mut per_guest = None;
    for job in jobs.vzdump_jobs().filter(|j| j.enabled) {
        let (all, start) = per_guest.get_or_insert_with(|| guest_hazards(ctx));
        let mut hazards: Vec<(Span, String)> = Vec::new();
        // References that already fail (not just fragile ones), and all references.
        let mut broken = 0usize;
        let mut n = 0usize;
        let guests = ctx.selected_guests(&job.opts);
        for g in &guests {
            let Some(i) = ctx.guest_index(g) else { continue };
            for h in &all[start[i]..start[i + 1]] {
                broken += usize::from(h.broken());
                n += 1;
                // Only the labels shown are written out.
                if hazards.len() < MAX_LABELS {
                    hazards.push((h.span, format!("{} {}: {}", g.label(), h.key, h.why)));
                }
            }
        }
        let worker_nodes = ctx.job_worker_nodes(&job.opts);
        for node in &worker_nodes {
            let Some(conf) = ctx.tree.vzdump_confs.get(node) else { continue };
            for key in ["tmpdir", "dumpdir"] {
                let Some(v) = conf.opts.get(key) else { continue };
                let Some(owner) = ctx.path_owner(&v.value) else { continue };
                let why = match owner {
                    PathOwner::GhostMount(..) => "on an undefined storage",
                    PathOwner::Storage(s, _) => match ctx.storage_status(&s.id, node) {
                        StorageStatus::Available if ctx.is_fragile(s) || s.is_network() => {
                            "on a single-node or network storage"
                        }
                        StorageStatus::Available => continue,
                        _ => "on a storage not available here",
                    },
                };
                if why != "on a single-node or network storage" {
                    broken += 1;
                }
                n += 1;
                hazards.push((v.span, format!("{key} of node '{node}' {why}")));
            }
        }
        if hazards.is_empty() {
            continue;
        }
        let scope = if job.opts.all() || !job.opts.excludes().is_empty() {
            "all guests".to_string()
        } else {
            format!("{} guest(s)", guests.len())
        };
        let mut d = META
            .at(
                job.id.span,
                format!(
                    "backup job '{}' ({scope}, schedule '{}') depends on {n} fragile storage reference{}{}: when one device is gone, its runs fail or hang and later runs queue behind them",
                    job.id.value,
                    job.schedule.as_ref().map_or("", |s| s.value.as_str()),
                    if n == 1 { "" } else { "s" },
                    if broken > 0 { format!(", {broken} of them already broken") } else { String::new() }
                ),
            )
            .with_help("fix the referenced lines (see the other diagnostics there), or exclude those guests from this job and back them up in a separate job")
            .with_object(job.object());
        if broken > 0 {
            d = d.with_severity(crate::Severity::Error);
        }
        d.labels.extend(hazards.into_iter().take(MAX_LABELS).map(|(span, message)| Label { span, message }));
        out.push(d);
    }
}
