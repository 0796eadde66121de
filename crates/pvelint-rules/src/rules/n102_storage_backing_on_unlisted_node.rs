//! N102: a storage's pool moved to a node its `nodes` list leaves out.

use crate::backing::{presence, some_of, Presence};
use crate::context::Context;
use crate::Diagnostic;
use pvelint_parse::storage::Storage;
use pvelint_parse::{Edit, Fix, Span};

crate::declare_rule!(
    StorageBackingOnUnlistedNode,
    "N102",
    "storage-backing-on-unlisted-node",
    Error,
    "A storage's pool is imported on a node its nodes list leaves out, and missing on the nodes it lists: the pool moved, the config did not.",
    fix = Unsafe
);

/// The fix: `nodes` lists the nodes whose facts show the backing (and no other). The
/// written value is replaced when it was read verbatim.
fn follow_the_pool(s: &Storage, now_on: &[&str]) -> Option<Fix> {
    let written = s.section.as_ref()?.get("nodes")?;
    if written.span.len() != written.value.len() {
        return None;
    }
    let list = now_on.join(",");
    let fix = Fix::unsafe_(
        format!("list the nodes whose facts show the backing in `nodes`: {list}"),
        vec![Edit::replace(written.span, list.clone())],
    );
    Some(match crate::fix::command(&["pvesm", "set", &s.id, "--nodes", &list]) {
        Some(c) => fix.with_command(c),
        None => fix,
    })
}

/// At most this many places that still point at the old node are labelled.
const MAX_LABELS: usize = 5;

/// The nodes (with facts) outside `nodes` that have the storage's backing, when every
/// listed node with facts lacks it and at least one listed node has facts.
pub fn moved_to<'a>(ctx: &Context<'a>, s: &Storage) -> Option<Vec<&'a str>> {
    let listed = s.nodes.as_ref()?;
    if !s.usable || s.is_disabled() || s.shared.value {
        return None;
    }
    let mut listed_with_facts = 0;
    let mut now_on = Vec::new();
    for (node, nf) in &ctx.tree.facts {
        let here = presence(s, nf);
        if listed.value.contains(node) {
            listed_with_facts += 1;
            if !matches!(here, Presence::Absent(_)) {
                return None; // a listed node has it, or its facts cannot tell
            }
        } else if here == Presence::Present {
            now_on.push(node.as_str());
        }
    }
    (listed_with_facts > 0 && !now_on.is_empty()).then_some(now_on)
}

fn message(storage: &str, now_on: &[&str], listed: &[String]) -> String {
    let now = now_on.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>();
    format!(
        "the backing of storage '{storage}' is on node {}, which storage.cfg's `nodes` does not list, and not on {}, which it does: the pool moved but the configuration still points at the old node, so Proxmox uses it where it is gone (backups of its volumes hang or fail) and refuses it where it is",
        some_of(&now),
        some_of(&listed.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>())
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for s in ctx.tree.storage.iter() {
        let Some(now_on) = moved_to(ctx, s) else { continue };
        let Some(nodes) = s.nodes.as_ref() else { continue };
        let listed: Vec<String> = nodes.value.iter().cloned().collect();
        let mut d = META
            .at(nodes.span, message(&s.id, &now_on, &listed))
            .with_help(format!(
                "set `nodes {}` (pvesm set {} --nodes {}), then move the guests that use it to that node and update the vzdump.conf paths and jobs that point into it; or move the pool back",
                now_on.join(","),
                s.id,
                now_on.join(",")
            ))
            .with_object(s.object())
            .with_fix_opt(follow_the_pool(s, &now_on));
        for n in &now_on {
            if let Some(nf) = ctx.tree.facts.get(*n) {
                let at = nf.zfs_pools.first().copied().unwrap_or(nf.node_span);
                d = d.with_label(at, format!("the facts of '{n}' show the backing here"));
            }
        }
        // What still points at the old nodes: volumes of their guests, vzdump paths.
        let mut places: Vec<(Span, String)> = Vec::new();
        let mut stranded: std::collections::BTreeSet<u32> = std::collections::BTreeSet::new();
        for v in ctx.volumes().filter(|v| v.storage.is_some_and(|x| x.id == s.id) && v.in_main()) {
            if nodes.value.contains(&v.guest.node) {
                if let Some(id) = v.storage_id() {
                    places.push((id.span, format!("{} on '{}' still uses it", v.describe(), v.guest.node)));
                    if v.backed_up() {
                        stranded.insert(v.guest.vmid);
                    }
                }
            }
        }
        if let Some(dir) = s.fs_path() {
            for vp in ctx.vzdump_paths() {
                let p = pvelint_parse::storage::canonpath(&vp.value.value);
                let inside = p == dir.value || p.starts_with(&format!("{}/", dir.value));
                if inside && nodes.value.iter().any(|n| vp.nodes.binary_search(n).is_ok()) {
                    places.push((vp.value.span, format!("{} `{}` points into it", vp.source, vp.key)));
                }
            }
        }
        // Enabled backup jobs that select those guests (their volumes are backed up).
        if let Some(jobs) = &ctx.tree.jobs {
            for job in jobs.vzdump_jobs().filter(|j| j.enabled) {
                let hit = stranded
                    .iter()
                    .flat_map(|&id| ctx.guests_with_vmid(id))
                    .filter(|g| ctx.job_selects(&job.opts, g))
                    .count();
                if hit > 0 {
                    let what = if hit == 1 { "a guest".to_string() } else { format!("{hit} guests") };
                    places.push((job.id.span, format!("job '{}' backs up {what} with volumes on it", job.id.value)));
                }
            }
        }
        let more = places.len().saturating_sub(MAX_LABELS);
        for (span, text) in places.into_iter().take(MAX_LABELS) {
            d = d.with_label(span, text);
        }
        if more > 0 {
            d.message.push_str(&format!(" ({more} more places point at it)"));
        }
        out.push(d);
    }
}
