//! H103: An HA resource has a volume on a storage that is not available on a node HA may
//! recover or migrate it to.

use crate::context::{Context, GuestVolume, NodeSet, SomeNodes, StorageStatus};
use crate::ha::{Candidates, RuleSource};
use crate::Diagnostic;
use pvelint_parse::guest::GuestKind;
use pvelint_parse::storage::StorageType;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

crate::declare_rule!(
    HaVolumeStorageUnavailableOnCandidate,
    "H103",
    "ha-volume-storage-unavailable-on-candidate",
    Warning,
    "An HA resource has a volume on a storage that is not available on a node HA may recover or migrate it to."
);

/// What limits the nodes, for messages.
fn limit(c: &Candidates) -> String {
    match c {
        Candidates::All => "any cluster node".to_string(),
        Candidates::Only(_, RuleSource::Rule(r)) => format!("the nodes of strict HA rule '{}'", r.id.value),
        Candidates::Only(_, RuleSource::Group(g)) => format!("the nodes of restricted HA group '{}'", g.id.value),
    }
}

fn message(v: &GuestVolume, sid: &str, shared: bool, bad: &SomeNodes, c: &Candidates, others: usize, repl: bool) -> String {
    let storage = v.storage_id().map(|s| s.value).unwrap_or_default();
    let more = if others > 0 { format!(" (and {others} more of its volumes)") } else { String::new() };
    let first = bad.first.first().map(String::as_str).unwrap_or_default();
    if shared {
        format!(
            "{}{more} is on storage '{storage}', which storage.cfg does not make available on {}; HA resource '{sid}' may be recovered or migrated there ({}), and HA picks the node without looking at storage, so the start fails (\"storage '{storage}' is not available on node '{first}'\")",
            v.describe(),
            bad.quote(),
            limit(c),
        )
    } else {
        format!(
            "{}{more} is on storage '{storage}', which is not shared: the volume exists only on node '{}'{}, but HA resource '{sid}' may be recovered or migrated to {} ({}), and HA picks the node without looking at storage, so {} does not start there",
            v.describe(),
            v.guest.node,
            if repl { " and the targets of its replication jobs" } else { "" },
            bad.quote(),
            limit(c),
            v.guest.label(),
        )
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(res) = &ctx.tree.ha.resources else { return };
    if ctx.nodes.is_none() {
        return;
    }
    let placement = ctx.ha_placement();
    let all: NodeSet = ctx.all_job_nodes().clone();
    // The targets of each guest's enabled replication jobs, read once.
    let mut targets: BTreeMap<u32, BTreeSet<&str>> = BTreeMap::new();
    for j in ctx.tree.replication.iter().flat_map(|r| r.jobs.iter()).filter(|j| !j.disabled) {
        if let (Some(g), Some(t)) = (j.guest, &j.target) {
            targets.entry(g).or_default().insert(t.value.as_str());
        }
    }
    for r in res.resources.iter().filter(|r| r.state() != "ignored") {
        let Some(vmid) = r.vmid else { continue };
        let want = if r.kind.value == "ct" { GuestKind::Lxc } else { GuestKind::Qemu };
        let Some(g) = ctx.guests_with_vmid(vmid).into_iter().find(|g| g.kind == want) else { continue };
        if g.node == pvelint_parse::tree::PLACEHOLDER_NODE {
            continue;
        }
        let Some(cands) = placement.candidates(ctx, &r.sid.value) else { continue };
        let nodes: NodeSet = match &cands {
            Candidates::All => all.clone(),
            Candidates::Only(list, _) => Arc::from(list.as_slice()),
        };
        let replicated: Vec<*const pvelint_parse::guest::VolumeRef> =
            ctx.replicated_volumes(g).map(|v| v.vol as *const _).collect();
        // Per storage: its first volume, how many, and whether all of them are replicated.
        // (A volume that is not replicated is shown first: it is the one missing on the
        // replication targets.)
        let mut by_storage: BTreeMap<&str, (GuestVolume, usize, bool)> = BTreeMap::new();
        for v in ctx.volumes_of(vmid).filter(|v| std::ptr::eq(v.guest, g) && v.in_main() && v.is_volume()) {
            let Some(s) = v.storage else { continue };
            if v.is_cdrom() || v.key().starts_with("unused") || ctx.volume_status(&v) != StorageStatus::Available {
                continue;
            }
            let repl = replicated.contains(&(v.vol as *const _));
            let e = by_storage.entry(s.id.as_str()).or_insert((v, 0, true));
            e.1 += 1;
            if e.2 && !repl {
                e.0 = v;
            }
            e.2 &= repl;
        }
        for (v, count, all_replicated) in by_storage.into_values() {
            let Some(s) = v.storage else { continue };
            let repl = all_replicated && s.kind == StorageType::ZfsPool && targets.contains_key(&vmid);
            let bad = if s.shared.value {
                ctx.unavailable_on(s, &nodes).map(|(_, b)| b)
            } else {
                // Only the guest's node (and, for replicated ZFS volumes, the replication
                // targets) hold the volume.
                let mut good: BTreeSet<&str> = BTreeSet::from([g.node.as_str()]);
                if repl {
                    good.extend(targets.get(&vmid).into_iter().flatten().copied());
                }
                good.retain(|n| {
                    nodes.binary_search_by(|x| x.as_str().cmp(n)).is_ok()
                        && ctx.status_of(Some(s), n) == StorageStatus::Available
                });
                let count = nodes.len() - good.len();
                (count > 0).then(|| SomeNodes {
                    count,
                    first: nodes
                        .iter()
                        .filter(|n| !good.contains(n.as_str()))
                        .take(pvelint_parse::diag::MAX_RELATED)
                        .cloned()
                        .collect(),
                })
            };
            let Some(bad) = bad else { continue };
            let Some(id) = v.storage_id() else { continue };
            let mut d = META
                .at(id.span, message(&v, &r.sid.value, s.shared.value, &bad, &cands, count - 1, repl))
                .with_label(r.sid.span, format!("HA resource '{}'", r.sid.value))
                .with_object(format!("guest:{vmid}"))
                .with_key(v.key())
                .with_help("limit the resource to nodes that hold the storage (a strict node-affinity rule, or a restricted group before PVE 9), move the volume to a shared storage, or, for ZFS, replicate the guest to those nodes");
            if let (true, Some(n)) = (s.shared.value, &s.nodes) {
                d = d.with_label(n.span, format!("storage '{}' is restricted to these nodes", s.id));
            }
            out.push(d);
        }
    }
}
