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

/// Why a reference is fragile. Only [`Hazard::SingleNode`] and [`Hazard::FragilePath`]
/// are merely fragile; the others already break the job (and make the finding an error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hazard {
    StorageUndefined,
    StorageDisabled,
    StorageNotOnNode,
    SingleNode,
    /// A node's tmpdir or dumpdir inside an undefined storage's directory.
    PathOnUndefinedStorage,
    /// A node's tmpdir or dumpdir on a storage that is not available on that node.
    PathOnUnavailableStorage,
    /// A node's tmpdir or dumpdir on a single-node or network storage.
    FragilePath,
}

impl Hazard {
    fn broken(self) -> bool {
        !matches!(self, Hazard::SingleNode | Hazard::FragilePath)
    }

    fn why(self) -> &'static str {
        match self {
            Hazard::StorageUndefined => "storage not defined",
            Hazard::StorageDisabled => "storage disabled",
            Hazard::StorageNotOnNode => "storage not on this node",
            Hazard::SingleNode => "single-node storage",
            Hazard::PathOnUndefinedStorage => "on an undefined storage",
            Hazard::PathOnUnavailableStorage => "on a storage not available here",
            Hazard::FragilePath => "on a single-node or network storage",
        }
    }
}

/// A backed-up volume of a guest whose storage is missing, misplaced or single-node.
struct GuestHazard {
    span: Span,
    key: String,
    hazard: Hazard,
}

/// The hazards of every guest, computed once for all jobs: `hazards[start[i]..start[i + 1]]`
/// belong to `tree.guests[i]`, judged by that guest's own volumes on its own node (a
/// guest with the same VMID on another node has its own entry).
fn guest_hazards(ctx: &Context) -> (Vec<GuestHazard>, Vec<usize>) {
    let mut hazards = Vec::new();
    let mut start = Vec::with_capacity(ctx.tree.guests.len() + 1);
    for (gi, g) in ctx.tree.guests.iter().enumerate() {
        start.push(hazards.len());
        for v in ctx.guest_volumes(gi).filter(|v| v.backed_up()) {
            if !v.is_volume() {
                continue;
            }
            let hazard = match ctx.status_of(v.storage, &g.node) {
                StorageStatus::Undefined | StorageStatus::Unusable => Hazard::StorageUndefined,
                StorageStatus::Disabled(_) => Hazard::StorageDisabled,
                StorageStatus::NotOnNode(_) => Hazard::StorageNotOnNode,
                StorageStatus::Available if ctx.on_extra_fragile_device(v) => Hazard::SingleNode,
                StorageStatus::Available => continue,
            };
            hazards.push(GuestHazard { span: v.vol.value, key: v.key().to_string(), hazard });
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
        let mut count = |h: Hazard| {
            broken += usize::from(h.broken());
            n += 1;
        };
        let guests = ctx.selected_guests(&job.opts);
        for g in &guests {
            let Some(i) = ctx.guest_index(g) else { continue };
            for h in &all[start[i]..start[i + 1]] {
                count(h.hazard);
                // Only the labels shown are written out.
                if hazards.len() < MAX_LABELS {
                    hazards.push((h.span, format!("{} {}: {}", g.label(), h.key, h.hazard.why())));
                }
            }
        }
        let worker_nodes = ctx.job_worker_nodes(&job.opts);
        for node in &worker_nodes {
            let Some(conf) = ctx.tree.vzdump_confs.get(node) else { continue };
            for key in ["tmpdir", "dumpdir"] {
                let Some(v) = conf.opts.get(key) else { continue };
                let Some(owner) = ctx.path_owner(&v.value) else { continue };
                let hazard = match owner {
                    PathOwner::GhostMount(..) => Hazard::PathOnUndefinedStorage,
                    PathOwner::Storage(s, _) => match ctx.status_of(Some(s), node) {
                        StorageStatus::Available if ctx.is_fragile(s) || s.is_network() => Hazard::FragilePath,
                        StorageStatus::Available => continue,
                        _ => Hazard::PathOnUnavailableStorage,
                    },
                };
                count(hazard);
                hazards.push((v.span, format!("{key} of node '{node}' {}", hazard.why())));
            }
        }
        if hazards.is_empty() {
            continue;
        }
        let scope = if job.opts.all() || !job.opts.excludes().is_empty() {
            "all guests".to_string()
        } else {
            pvelint_parse::text::count(guests.len(), "guest")
        };
        let mut d = META
            .at(
                job.id.span,
                format!(
                    "backup job '{}' ({scope}, schedule '{}') depends on {}{}: when one device is gone, its runs fail or hang and later runs queue behind them",
                    job.id.value,
                    job.schedule.as_ref().map_or("", |s| s.value.as_str()),
                    pvelint_parse::text::count(n, "fragile storage reference"),
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
