//! X102: A VM uses a resource mapping that has no entry for its node, or for a node it
//! can move to.

use crate::context::Context;
use crate::mappings::MappingRef;
use crate::{Diagnostic, Severity};
use pvelint_parse::mapping::{Mapping, MappingKind};
use std::collections::{BTreeMap, BTreeSet};

crate::declare_rule!(
    MappingMissingForNode,
    "X102",
    "mapping-missing-for-node",
    Error,
    "A VM uses a resource mapping that has no entry for its node, or for a node it can move to."
);

/// The error qemu-server dies with on a node without an entry.
fn start_error(r: &MappingRef, node: &str) -> String {
    match r.kind {
        MappingKind::Pci => format!("PCI device mapping not found for '{}'", r.id.value),
        MappingKind::Usb => format!("USB device mapping not found for '{}'", r.id.value),
        MappingKind::Dir => format!("No directory mapping for node {node}."),
    }
}

fn on_own_node(r: &MappingRef) -> String {
    format!(
        "{} uses {} '{}', which has no entry for node '{}' where the VM is: it fails to start there (\"{}\")",
        r.describe(),
        r.kind.noun(),
        r.id.value,
        r.guest.node,
        start_error(r, &r.guest.node)
    )
}

fn on_other_nodes(r: &MappingRef, missing: &[(String, &str)]) -> String {
    let nodes: Vec<String> = missing.iter().map(|(n, _)| n.clone()).collect();
    let mut why: Vec<&str> = missing.iter().map(|(_, w)| *w).collect();
    why.sort_unstable();
    why.dedup();
    format!(
        "{} uses {} '{}', which has no entry for {} ({}): after a migration or failover there, the VM fails to start (\"{}\")",
        r.describe(),
        r.kind.noun(),
        r.id.value,
        crate::wording::quote_nodes(&nodes),
        why.join("; "),
        start_error(r, &nodes[0])
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let refs = ctx.mapping_refs();
    if refs.is_empty() {
        return;
    }
    let ha = ctx.ha_run_nodes();
    // The targets of each guest's enabled replication jobs, read once.
    let mut targets: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
    for j in ctx.tree.replication.iter().flat_map(|r| r.jobs.iter()).filter(|j| !j.disabled) {
        if let (Some(g), Some(t)) = (j.guest, &j.target) {
            targets.entry(g).or_default().push(t.value.as_str());
        }
    }
    // The nodes each mapping has entries for, built once per mapping.
    let mut covered: BTreeMap<(MappingKind, &str), BTreeSet<&str>> = BTreeMap::new();
    for r in refs {
        let Some(m) = ctx.mapping(r.kind, r.id.value).filter(|m| m.usable) else { continue };
        let nodes = covered
            .entry((r.kind, m.id.value.as_str()))
            .or_insert_with(|| m.entries.iter().map(|e| e.node.value.as_str()).collect());
        let node = r.guest.node.as_str();
        if node != pvelint_parse::tree::PLACEHOLDER_NODE && !nodes.contains(node) {
            out.push(finding(r, m, on_own_node(r), Severity::Error));
            continue;
        }
        let mut missing: Vec<(String, &str)> = Vec::new();
        for t in targets.get(&r.guest.vmid).into_iter().flatten() {
            missing.push((t.to_string(), "a replication target"));
        }
        for n in ha.get(&r.guest.vmid).into_iter().flatten() {
            missing.push((n.clone(), "HA may recover it there"));
        }
        missing.retain(|(n, _)| n != node && !nodes.contains(n.as_str()) && !ctx.node_unknown(n));
        missing.sort();
        missing.dedup_by(|a, b| a.0 == b.0);
        if !missing.is_empty() {
            out.push(finding(r, m, on_other_nodes(r, &missing), Severity::Warning));
        }
    }
}

fn finding(r: &MappingRef, m: &Mapping, message: String, severity: Severity) -> Diagnostic {
    META.at(r.id.span, message)
        .with_severity(severity)
        .with_label(m.id.span, format!("{} '{}'", r.kind.noun(), m.id.value))
        .with_object(format!("guest:{}", r.guest.vmid))
        .with_key(r.key)
        .with_help(format!(
            "add a `map` entry with the node's own device or directory to '{}' in {}, or keep the VM off the node",
            m.id.value,
            r.kind.path()
        ))
}
