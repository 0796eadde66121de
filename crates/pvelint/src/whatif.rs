//! What-if: lint the cluster as it will be after moving hardware. The model is changed
//! in memory (the tree on disk is never touched), every rule runs on the model before and
//! after, and the difference is what the change introduces and what it resolves.

use pvelint_parse::text::valid_node_name;
use pvelint_parse::text::{count, plural_s};
use pvelint_parse::{Diagnostic, Severity, Spanned, Tree};
use pvelint_rules::scenario::Scenario;
use pvelint_rules::RuleMeta;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One planned change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The storage will be available only on these nodes.
    MoveStorage {
        storage: String,
        nodes: Vec<String>,
    },
    /// The node leaves the cluster.
    RemoveNode(String),
    /// The guest's config moves to that node.
    MoveGuest {
        vmid: u32,
        node: String,
    },
    RemoveStorage(String),
    DisableStorage(String),
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::MoveStorage { storage, nodes } => {
                let n: Vec<String> = nodes.iter().map(|n| format!("'{n}'")).collect();
                write!(f, "storage '{storage}' becomes available only on node {}", n.join(", "))
            }
            Change::RemoveNode(n) => write!(f, "node '{n}' leaves the cluster"),
            Change::MoveGuest { vmid, node } => write!(f, "guest {vmid} moves to node '{node}'"),
            Change::RemoveStorage(s) => write!(f, "storage '{s}' is removed"),
            Change::DisableStorage(s) => write!(f, "storage '{s}' is disabled"),
        }
    }
}

fn node_list(s: &str) -> Result<Vec<String>, String> {
    let nodes: Vec<String> = s.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
    if nodes.is_empty() {
        return Err("no node given".into());
    }
    if let Some(bad) = nodes.iter().find(|n| !valid_node_name(n)) {
        return Err(format!("'{bad}' is not a valid node name"));
    }
    Ok(nodes)
}

impl Change {
    pub fn move_storage(arg: &str) -> Result<Change, String> {
        let (s, n) = arg.split_once('=').ok_or("--move-storage takes STORAGE=NODE[,NODE...]")?;
        Ok(Change::MoveStorage {
            storage: s.to_string(),
            nodes: node_list(n).map_err(|e| format!("--move-storage: {e}"))?,
        })
    }

    pub fn move_guest(arg: &str) -> Result<Change, String> {
        let (v, n) = arg.split_once('=').ok_or("--move-guest takes VMID=NODE")?;
        let vmid = v.parse().map_err(|_| format!("--move-guest: '{v}' is not a VMID"))?;
        let node = node_list(n).map_err(|e| format!("--move-guest: {e}"))?;
        if node.len() != 1 {
            return Err("--move-guest takes exactly one node".into());
        }
        Ok(Change::MoveGuest { vmid, node: node[0].clone() })
    }

    pub fn remove_node(arg: &str) -> Result<Change, String> {
        let n = node_list(arg).map_err(|e| format!("--remove-node: {e}"))?;
        Ok(Change::RemoveNode(n[0].clone()))
    }
}

/// The index of a storage in storage.cfg, or the error for a change that names none.
/// Applies the changes to a copy of the tree. Errors name what does not exist.
///
/// n changes cost O(n log n): storages, guests and nodes are looked up through indexes
/// built once, removed storages and nodes are marked and dropped in one pass at the end.
pub fn apply(tree: &Tree, changes: &[Change]) -> Result<(Tree, Scenario), String> {
    use std::collections::{BTreeSet, HashMap, HashSet};
    let mut t = tree.clone();
    let mut scenario = Scenario::default();
    let mut storage_at: HashMap<String, usize> = HashMap::new();
    for (i, s) in t.storage.storages.iter().enumerate() {
        storage_at.entry(s.id.clone()).or_insert(i);
    }
    let mut guest_at: HashMap<u32, usize> = HashMap::new();
    for (i, g) in t.guests.iter().enumerate() {
        guest_at.entry(g.vmid).or_insert(i);
    }
    let mut removed_storages: Vec<usize> = Vec::new();
    let mut gone: HashSet<usize> = HashSet::new();
    let storage_index = |storage_at: &HashMap<String, usize>, gone: &HashSet<usize>, storage: &str| {
        storage_at
            .get(storage)
            .copied()
            .filter(|i| !gone.contains(i))
            .ok_or_else(|| format!("storage '{storage}' is not defined in storage.cfg"))
    };
    // The cluster's nodes as `Tree::cluster_nodes` gives them, kept up to date.
    let mut corosync_nodes: BTreeSet<String> = t.corosync.as_ref().map(|c| c.node_names()).unwrap_or_default();
    let mut removed_nodes: HashSet<String> = HashSet::new();
    let in_cluster = |corosync_nodes: &BTreeSet<String>, local: &Option<String>, node: &str| -> Option<bool> {
        if !corosync_nodes.is_empty() {
            return Some(corosync_nodes.contains(node));
        }
        local.as_ref().map(|n| n == node)
    };
    for c in changes {
        match c {
            Change::MoveStorage { storage, nodes } => {
                let i = storage_index(&storage_at, &gone, storage)?;
                let s = &mut t.storage.storages[i];
                let span = s.nodes.as_ref().map(|n| n.span).or_else(|| s.anchor());
                let Some(span) = span else {
                    return Err(format!("storage '{storage}' is the built-in 'local'; it exists on every node"));
                };
                s.nodes = Some(Spanned::new(nodes.iter().cloned().collect(), span));
            }
            Change::DisableStorage(storage) => {
                let i = storage_index(&storage_at, &gone, storage)?;
                let s = &mut t.storage.storages[i];
                let span = s.anchor().ok_or_else(|| format!("storage '{storage}' has no section to disable"))?;
                s.disabled = Some(span);
            }
            Change::RemoveStorage(storage) => {
                let i = storage_index(&storage_at, &gone, storage)?;
                gone.insert(i);
                removed_storages.push(i);
                // A later section with the same ID would not stand in for it: the first
                // one is the effective definition, and it is gone.
            }
            Change::RemoveNode(node) => {
                let known =
                    in_cluster(&corosync_nodes, &t.local_node, node) == Some(true) || t.node_dirs.contains(node);
                if !known {
                    return Err(format!("node '{node}' is not in the cluster"));
                }
                if corosync_nodes.remove(node) {
                    removed_nodes.insert(node.clone());
                }
                if t.local_node.as_deref() == Some(node.as_str()) {
                    t.local_node = None;
                }
                // Its /etc/vzdump.conf leaves with it.
                t.vzdump_confs.remove(node);
            }
            Change::MoveGuest { vmid, node } => {
                if in_cluster(&corosync_nodes, &t.local_node, node) == Some(false) {
                    return Err(format!("node '{node}' is not in the cluster"));
                }
                let i = *guest_at.get(vmid).ok_or_else(|| format!("there is no guest {vmid}"))?;
                let g = &mut t.guests[i];
                if g.node != *node {
                    scenario.moved_guests.entry(*vmid).or_insert_with(|| g.node.clone());
                    g.node = node.clone();
                }
            }
        }
    }
    if !removed_nodes.is_empty() {
        if let Some(c) = &mut t.corosync {
            c.nodes.retain(|n| !removed_nodes.contains(&n.name.value));
        }
    }
    if !removed_storages.is_empty() {
        let mut kept = Vec::with_capacity(t.storage.storages.len() - gone.len());
        let mut taken: Vec<Option<pvelint_parse::storage::Storage>> = Vec::new();
        for (i, s) in std::mem::take(&mut t.storage.storages).into_iter().enumerate() {
            if gone.contains(&i) {
                taken.push(Some(s));
            } else {
                kept.push(s);
                taken.push(None);
            }
        }
        t.storage.storages = kept;
        for i in removed_storages {
            if let Some(s) = taken[i].take() {
                scenario.removed_storages.push(s);
            }
        }
    }
    Ok((t, scenario))
}

/// What a change does to the findings.
pub struct Outcome {
    /// After the change, the tree after the change (same files as before).
    pub after: Tree,
    /// What the change moved and removed.
    pub scenario: Scenario,
    pub introduced: Vec<Diagnostic>,
    pub resolved: Vec<Diagnostic>,
}

/// Runs every enabled rule before and after the changes and compares.
pub fn what_if(before: &Tree, changes: &[Change], enabled: &dyn Fn(&RuleMeta) -> bool) -> Result<Outcome, String> {
    let (after, scenario) = apply(before, changes)?;
    let b = crate::lint_tree(before, enabled);
    let a = pvelint_rules::pipeline::lint_scenario(&after, &scenario, enabled);
    // One identity of a finding everywhere: the baseline fingerprint (code, file, object,
    // key, normalised text under the span; not lines, not wording), made unique by rank.
    // The files are the same on both sides.
    let fb = crate::fingerprint::fingerprints(before, &b);
    let fa = crate::fingerprint::fingerprints(&after, &a);
    let sev_before: BTreeMap<_, Severity> = fb.iter().cloned().zip(b.iter().map(|d| d.severity)).collect();
    let keys_after: BTreeSet<_> = fa.iter().cloned().collect();
    let introduced = a
        .iter()
        .zip(&fa)
        .filter(|(d, k)| sev_before.get(*k).is_none_or(|s| d.severity > *s))
        .map(|(d, _)| d.clone())
        .collect();
    let resolved = b.iter().zip(&fb).filter(|(_, k)| !keys_after.contains(*k)).map(|(d, _)| d.clone()).collect();
    Ok(Outcome { after, scenario, introduced, resolved })
}

/// The one-paragraph plan that opens the human output.
pub fn plan(changes: &[Change], o: &Outcome) -> String {
    let what: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
    let mut lines: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for d in &o.introduced {
        let f = o.after.file(d.span.file);
        lines.entry(f.path.clone()).or_default().insert(f.line_col(d.span.start).0);
    }
    let n_lines: usize = lines.values().map(|l| l.len()).sum();
    let n_of = |s: Severity| o.introduced.iter().filter(|d| d.severity == s).count();
    let mut out = format!("What if {}?\n", what.join(", and "));
    if o.introduced.is_empty() {
        out.push_str("The change introduces no finding");
    } else {
        out.push_str(&format!(
            "The change introduces {} ({}, {}, {}) on {} in {}",
            count(o.introduced.len(), "finding"),
            count(n_of(Severity::Error), "error"),
            count(n_of(Severity::Warning), "warning"),
            count(n_of(Severity::Info), "info"),
            count(n_lines, "line"),
            count(lines.len(), "file"),
        ));
    }
    out.push_str(&format!(" and resolves {}.\n", o.resolved.len()));
    for (path, l) in &lines {
        let l: Vec<String> = l.iter().map(|n| n.to_string()).collect();
        out.push_str(&format!("  {path}: line{} {}\n", plural_s(l.len()), l.join(", ")));
    }
    out
}
