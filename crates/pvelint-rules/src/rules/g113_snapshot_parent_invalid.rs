//! G113: a guest's snapshot parent names a snapshot that does not exist, or snapshots
//! form a cycle: the snapshot tree Proxmox shows is wrong.

use crate::context::Context;
use pvelint_parse::guest::{GuestConfig, SectionKind};
use pvelint_parse::{Diagnostic, Guest, Span};
use std::collections::HashMap;

crate::declare_rule!(
    SnapshotParentInvalid,
    "G113",
    "snapshot-parent-invalid",
    Warning,
    "A guest's snapshot parent names a snapshot that does not exist, or snapshots form a cycle: the snapshot tree Proxmox shows is wrong."
);

/// The `parent` of every section (main and snapshots) as (section index, value, span).
fn parents(c: &GuestConfig) -> Vec<(usize, &str, Span)> {
    c.sections
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.kind, SectionKind::Main | SectionKind::Snapshot))
        .filter_map(|(i, s)| s.get(&c.text, "parent").map(|e| (i, c.value(e), e.value)))
        .collect()
}

fn dangling(g: &Guest, owner: Option<&str>, parent: &str) -> String {
    let effect = match owner {
        None => "the GUI shows the current state ('NOW') at the root of the snapshot tree instead of after the latest snapshot, and the next snapshot records a parent that does not exist".to_string(),
        Some(_) => "the GUI shows the snapshot at the root of the snapshot tree, so the order of the snapshots is lost, and deleting it relinks its children to a parent that does not exist".to_string(),
    };
    let who = owner.map_or("the current state".to_string(), |n| format!("snapshot '{n}'"));
    format!("{}: {who} has parent '{parent}', but the config has no snapshot '{parent}': {effect}", g.label())
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for g in &ctx.tree.guests {
        let c = &g.config;
        let list = parents(c);
        if list.is_empty() {
            continue;
        }
        let snaps: HashMap<&str, usize> = c
            .sections
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == SectionKind::Snapshot)
            .map(|(i, s)| (s.name_str(), i))
            .collect();
        // Section index → index of its parent section.
        let mut next: HashMap<usize, usize> = HashMap::new();
        for &(i, parent, span) in &list {
            let owner = match c.sections[i].kind {
                SectionKind::Main => None,
                _ => Some(c.sections[i].name_str()),
            };
            match snaps.get(parent) {
                Some(&p) => {
                    next.insert(i, p);
                }
                // A config without any snapshot section but with a `parent` is what
                // `qm config` / `pct config` print (they leave snapshots out): exports,
                // not a broken tree. The current state's parent is judged only when
                // the config holds snapshots.
                None if owner.is_none() && snaps.is_empty() => {}
                None => out.push(
                    META.at(span, dangling(g, owner, parent))
                        .with_help("set `parent` to the snapshot this one was taken after, or remove the line if it was the first")
                        .with_object(format!("guest:{}", g.vmid))
                        .with_key("parent"),
                ),
            }
        }
        // Cycles among snapshots: follow parents from each snapshot, marking visits
        // (each section is walked once: O(sections)).
        let mut state: HashMap<usize, u8> = HashMap::new(); // 1 = on the current path, 2 = done
        let mut starts: Vec<usize> = snaps.values().copied().collect();
        starts.sort_unstable();
        for start in starts {
            let mut path = Vec::new();
            let mut at = start;
            loop {
                match state.get(&at) {
                    Some(2) => break,
                    Some(1) => {
                        // `at` starts a cycle: the path from it.
                        let from = path.iter().position(|&p| p == at).unwrap_or(0);
                        out.push(cycle(g, c, &path[from..]));
                        break;
                    }
                    _ => {}
                }
                state.insert(at, 1);
                path.push(at);
                match next.get(&at) {
                    Some(&p) => at = p,
                    None => break,
                }
            }
            for p in path {
                state.insert(p, 2);
            }
        }
    }
}

fn cycle(g: &Guest, c: &GuestConfig, members: &[usize]) -> Diagnostic {
    let mut members: Vec<usize> = members.to_vec();
    members.sort_unstable();
    let names: Vec<&str> = members.iter().map(|&i| c.sections[i].name_str()).collect();
    let first = members[0];
    let at = c.sections[first].get(&c.text, "parent").map_or(c.sections[first].header.unwrap_or_default(), |e| e.value);
    let mut d = META
        .at(
            at,
            format!(
                "{}: the parents of snapshots {} form a cycle, so they never reach the root of the snapshot tree and the GUI does not show them (they still hold disk space)",
                g.label(),
                pvelint_parse::text::quoted(names.iter())
            ),
        )
        .with_help("set the `parent` of the oldest of these snapshots to the snapshot before it (or remove it if it is the first)")
        .with_object(format!("guest:{}", g.vmid))
        .with_key("parent");
    for &i in members.iter().skip(1).take(pvelint_parse::diag::MAX_RELATED) {
        if let Some(e) = c.sections[i].get(&c.text, "parent") {
            d = d.with_label(e.value, "part of the cycle");
        }
    }
    d
}
