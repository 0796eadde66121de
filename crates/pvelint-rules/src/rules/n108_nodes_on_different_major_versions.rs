//! N108: nodes of one cluster on different Proxmox VE major versions.

use crate::context::Context;
use crate::Diagnostic;
use std::collections::BTreeMap;

crate::declare_rule!(
    NodesOnDifferentMajorVersions,
    "N108",
    "nodes-on-different-major-versions",
    Warning,
    "The nodes of the cluster run different Proxmox VE major versions."
);

fn message(node: &str, version: &str, newer: u32, newer_nodes: &[&str]) -> String {
    format!(
        "node '{node}' runs Proxmox VE {version}, while {} run{} {newer}.x: a cluster runs mixed major versions only during an upgrade, and guests migrated from the newer nodes may not start here",
        newer_nodes.iter().map(|n| format!("'{n}'")).take(5).collect::<Vec<_>>().join(", "),
        if newer_nodes.len() == 1 { "s" } else { "" }
    )
}

fn major(v: &str) -> Option<u32> {
    v.split(['.', '-', '~']).next()?.parse().ok()
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let mut by_major: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
    for (node, nf) in &ctx.tree.facts {
        if let Some(m) = nf.facts.pve_version.as_deref().and_then(major) {
            by_major.entry(m).or_default().push(node);
        }
    }
    let Some((&newest, newer_nodes)) = by_major.iter().next_back() else { return };
    for (node, nf) in &ctx.tree.facts {
        let (Some(v), Some(span)) = (nf.facts.pve_version.as_deref(), nf.pve_version) else { continue };
        if major(v).is_some_and(|m| m < newest) {
            out.push(
                META.at(span, message(node, v, newest, newer_nodes))
                    .with_help(format!("finish the upgrade of this node, one node at a time (run pve{}to{newest} --full first)", major(v).unwrap_or(newest)))
                    .with_object(format!("node:{node}")),
            );
        }
    }
}
