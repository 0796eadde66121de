//! J109: a backup job selects guests whose backups depend on missing, misplaced or
//! single-node storage, or runs on a node whose vzdump tmpdir/dumpdir is on such storage.

use crate::context::{Context, PathOwner, StorageStatus};
use pvelint_parse::{Diagnostic, Label, Span};
use std::collections::{BTreeSet, HashMap};

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

/// What every job shares, computed once: each guest's hazards, the guests that have
/// any (per node too) with their totals, and each node's vzdump.conf path hazards. A job
/// of every guest is then judged from the totals minus its excluded guests, never by
/// walking the guests again (jobs × guests).
struct Shared {
    hazards: Vec<GuestHazard>,
    /// `hazards[start[i]..start[i + 1]]` belong to `tree.guests[i]`.
    start: Vec<usize>,
    /// Indexes of the guests with hazards, in tree order: all, and per node.
    with_hazards: Vec<usize>,
    by_node: HashMap<String, Vec<usize>>,
    /// (all references, broken ones) over all guests, and per node.
    total: (usize, usize),
    node_total: HashMap<String, (usize, usize)>,
    /// Each node's vzdump.conf `tmpdir`/`dumpdir` on fragile or unusable storage.
    paths: HashMap<String, Vec<(Span, String, Hazard)>>,
    /// The path hazards of every node in [`Context::all_job_nodes`]: totals and the
    /// first labels.
    paths_everywhere: ((usize, usize), Vec<(Span, String)>),
}

impl Shared {
    fn new(ctx: &Context) -> Self {
        let (hazards, start) = guest_hazards(ctx);
        let mut with_hazards = Vec::new();
        let mut by_node: HashMap<String, Vec<usize>> = HashMap::new();
        let mut total = (0, 0);
        let mut node_total: HashMap<String, (usize, usize)> = HashMap::new();
        for (i, g) in ctx.tree.guests.iter().enumerate() {
            let hs = &hazards[start[i]..start[i + 1]];
            if hs.is_empty() {
                continue;
            }
            with_hazards.push(i);
            by_node.entry(g.node.clone()).or_default().push(i);
            let broken = hs.iter().filter(|h| h.hazard.broken()).count();
            let t = node_total.entry(g.node.clone()).or_default();
            *t = (t.0 + hs.len(), t.1 + broken);
            total = (total.0 + hs.len(), total.1 + broken);
        }
        let mut paths: HashMap<String, Vec<(Span, String, Hazard)>> = HashMap::new();
        for (node, conf) in &ctx.tree.vzdump_confs {
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
                let label = format!("{key} of node '{node}' {}", hazard.why());
                paths.entry(node.clone()).or_default().push((v.span, label, hazard));
            }
        }
        let mut everywhere = ((0, 0), Vec::new());
        for node in ctx.all_job_nodes().iter() {
            for (span, label, hazard) in paths.get(node).into_iter().flatten() {
                everywhere.0 .0 += 1;
                everywhere.0 .1 += usize::from(hazard.broken());
                if everywhere.1.len() < MAX_LABELS {
                    everywhere.1.push((*span, label.clone()));
                }
            }
        }
        Shared { hazards, start, with_hazards, by_node, total, node_total, paths, paths_everywhere: everywhere }
    }

    fn of(&self, i: usize) -> &[GuestHazard] {
        &self.hazards[self.start[i]..self.start[i + 1]]
    }
}

/// What one job depends on: (references, broken ones) and the first labels.
#[derive(Clone, Default)]
struct Tally {
    n: usize,
    broken: usize,
    labels: Vec<(Span, String)>,
}

impl Tally {
    fn guest(&mut self, g: &pvelint_parse::Guest, hs: &[GuestHazard]) {
        for h in hs {
            self.n += 1;
            self.broken += usize::from(h.hazard.broken());
            // Only the labels shown are written out.
            if self.labels.len() < MAX_LABELS {
                self.labels.push((h.span, format!("{} {}: {}", g.label(), h.key, h.hazard.why())));
            }
        }
    }
}

/// The guest hazards of a job that selects every guest (of its node) but its excludes.
fn every_guest(ctx: &Context, shared: &Shared, opts: &pvelint_parse::vzdump_opts::VzdumpOptions, t: &mut Tally) {
    let excluded: BTreeSet<u32> = opts.excludes().iter().map(|v| v.value).collect();
    let node = opts.node().map(|n| n.value.as_str());
    let (list, (n, broken)) = match node {
        Some(n) => (shared.by_node.get(n).map_or(&[][..], Vec::as_slice), shared.node_total.get(n).copied().unwrap_or_default()),
        None => (shared.with_hazards.as_slice(), shared.total),
    };
    // The totals, less the excluded guests' hazards.
    t.n += n;
    t.broken += broken;
    for &id in &excluded {
        for g in ctx.guests_with_vmid(id) {
            if node.is_some_and(|n| n != g.node) {
                continue;
            }
            let Some(i) = ctx.guest_index(g) else { continue };
            let hs = shared.of(i);
            t.n -= hs.len();
            t.broken -= hs.iter().filter(|h| h.hazard.broken()).count();
        }
    }
    // The first labels: excluded guests are skipped (at most as many as excluded).
    for &i in list {
        if t.labels.len() >= MAX_LABELS {
            break;
        }
        let g = &ctx.tree.guests[i];
        if excluded.contains(&g.vmid) {
            continue;
        }
        for h in shared.of(i) {
            if t.labels.len() < MAX_LABELS {
                t.labels.push((h.span, format!("{} {}: {}", g.label(), h.key, h.hazard.why())));
            }
        }
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(jobs) = &ctx.tree.jobs else { return };
    let mut shared = None;
    // Pool jobs by (pool, node): many jobs of one large pool walk it once.
    let mut pools: HashMap<(String, Option<String>), (Tally, usize)> = HashMap::new();
    for job in jobs.vzdump_jobs().filter(|j| j.enabled) {
        let shared = shared.get_or_insert_with(|| Shared::new(ctx));
        let mut t = Tally::default();
        let every = job.opts.pool().is_none() && job.opts.vmids().is_empty() && (job.opts.all() || !job.opts.excludes().is_empty());
        let scope = if every {
            every_guest(ctx, shared, &job.opts, &mut t);
            "all guests".to_string()
        } else {
            let key = job.opts.pool().map(|p| (p.value.clone(), job.opts.node().map(|n| n.value.clone())));
            let (tally, selected) = match key.as_ref().and_then(|k| pools.get(k)) {
                Some(hit) => hit.clone(),
                None => {
                    let guests = ctx.selected_guests(&job.opts);
                    for g in &guests {
                        let Some(i) = ctx.guest_index(g) else { continue };
                        t.guest(g, shared.of(i));
                    }
                    if let Some(k) = key {
                        pools.insert(k, (t.clone(), guests.len()));
                    }
                    (t, guests.len())
                }
            };
            t = tally;
            pvelint_parse::text::count(selected, "guest")
        };
        if Context::job_runs_everywhere(&job.opts) {
            let ((n, broken), labels) = &shared.paths_everywhere;
            t.n += n;
            t.broken += broken;
            let room = MAX_LABELS.saturating_sub(t.labels.len());
            t.labels.extend(labels.iter().take(room).cloned());
        } else {
            for node in ctx.job_worker_nodes(&job.opts).iter() {
                for (span, label, hazard) in shared.paths.get(node).into_iter().flatten() {
                    t.n += 1;
                    t.broken += usize::from(hazard.broken());
                    if t.labels.len() < MAX_LABELS {
                        t.labels.push((*span, label.clone()));
                    }
                }
            }
        }
        if t.n == 0 {
            continue;
        }
        let broken = t.broken;
        let mut d = META
            .at(
                job.id.span,
                format!(
                    "backup job '{}' ({scope}, schedule '{}') depends on {}{}: when one device is gone, its runs fail or hang and later runs queue behind them",
                    job.id.value,
                    job.schedule.as_ref().map_or("", |s| s.value.as_str()),
                    pvelint_parse::text::count(t.n, "fragile storage reference"),
                    if broken > 0 { format!(", {broken} of them already broken") } else { String::new() }
                ),
            )
            .with_help("fix the referenced lines (see the other diagnostics there), or exclude those guests from this job and back them up in a separate job")
            .with_object(job.object());
        if broken > 0 {
            d = d.with_severity(crate::Severity::Error);
        }
        d.labels.extend(t.labels.into_iter().map(|(span, message)| Label { span, message }));
        out.push(d);
    }
}
