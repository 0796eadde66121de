//! HA placement as the CRM of PVE 9 computes it, shared by the rules that ask where HA
//! may put a resource (H103, X102) and which rules it drops (H104).
//!
//! pve-ha-manager `src/PVE/HA/Manager.pm` → `manage` (and `Config.pm` →
//! `read_and_check_effective_rules_config`) read rules.cfg, add one node-affinity rule
//! `ha-group-<group>` per HA group that resources use (`Groups.pm` →
//! `migrate_groups_to_rules`: `strict` = `restricted`; a group that groups.cfg lacks is
//! skipped), then `Rules.pm` → `transform` drops every enabled rule a check blames and
//! logs "Drop rule '<id>', because <reason>.". Modelled checks: `NodeAffinity.pm` →
//! `check_single_resource_reference`, `ResourceAffinity.pm` →
//! `check_resource_affinity_resources_count`,
//! `check_negative_resource_affinity_resources_count`,
//! `check_inter_resource_affinity_rules_consistency`, and in `Rules.pm` the three checks
//! between node and resource affinity. On PVE 8 (no rules.cfg) the group is
//! applied directly with the same effect on placement.

use crate::context::Context;
use pvelint_parse::ha::{HaGroup, HaRule};
use std::collections::{BTreeMap, BTreeSet};

/// An effective rule: one of rules.cfg, or the one the CRM generates from a group.
#[derive(Clone, Copy)]
pub enum RuleSource<'a> {
    Rule(&'a HaRule),
    Group(&'a HaGroup),
}

/// A node-affinity rule as the CRM sees it.
pub struct NodeAffinity<'a> {
    pub id: String,
    pub source: RuleSource<'a>,
    pub resources: BTreeSet<&'a str>,
    pub nodes: Vec<&'a str>,
    /// Whether its nodes have more than one priority (an unwritten one is 0).
    pub multiple_priorities: bool,
    pub strict: bool,
}

/// Whether a `node[:priority]` list has more than one priority.
fn multiple_priorities(list: &str) -> bool {
    let prios: BTreeSet<u64> = pvelint_parse::text::split_list(list)
        .into_iter()
        .map(|(a, b)| list[a..b].split_once(':').and_then(|(_, p)| p.parse().ok()).unwrap_or(0))
        .collect();
    prios.len() > 1
}

/// A rule that `transform` drops, with Proxmox's reasons (verbatim, sorted).
pub struct Dropped<'a> {
    pub id: String,
    pub source: RuleSource<'a>,
    pub reasons: Vec<String>,
}

/// Where HA may run a resource.
pub enum Candidates<'a> {
    /// Every cluster node (no rule, a non-strict one, or its rule was dropped).
    All,
    /// The listed nodes of a strict rule or restricted group that are cluster nodes
    /// (sorted), and the rule that limits it.
    Only(Vec<String>, RuleSource<'a>),
}

/// The effective HA rules of a tree.
pub struct Placement<'a> {
    pub node_affinity: Vec<NodeAffinity<'a>>,
    pub dropped: Vec<Dropped<'a>>,
    /// Resource ID → index in `node_affinity` of its surviving rule.
    by_resource: BTreeMap<&'a str, usize>,
}

fn is_strict(v: Option<&pvelint_parse::Spanned<String>>) -> bool {
    v.is_some_and(|v| v.value == "1")
}

impl<'a> Placement<'a> {
    pub fn new(ctx: &Context<'a>) -> Self {
        let ha = &ctx.tree.ha;
        let rules: Vec<&'a HaRule> =
            ha.rules.iter().flat_map(|r| r.rules.iter()).filter(|r| r.section.usable && !r.disabled()).collect();
        // Groups used by resources, with their resources.
        let mut group_resources: BTreeMap<&'a str, BTreeSet<&'a str>> = BTreeMap::new();
        for r in ha.resources.iter().flat_map(|r| r.resources.iter()) {
            if let Some(g) = &r.group {
                group_resources.entry(g.value.as_str()).or_default().insert(r.sid.value.as_str());
            }
        }
        let mut na: Vec<NodeAffinity<'a>> = Vec::new();
        let mut generated: BTreeSet<String> = BTreeSet::new();
        for g in ha.groups.iter().flat_map(|g| g.groups.iter()).filter(|g| g.section.usable) {
            let Some(res) = group_resources.get(g.id.value.as_str()) else { continue };
            let id = format!("ha-group-{}", g.id.value);
            if !generated.insert(id.clone()) {
                continue;
            }
            na.push(NodeAffinity {
                id,
                source: RuleSource::Group(g),
                resources: res.clone(),
                nodes: g.nodes.iter().map(|n| n.value.as_str()).collect(),
                multiple_priorities: g.priorities.iter().map(|p| p.unwrap_or(0)).collect::<BTreeSet<_>>().len() > 1,
                strict: is_strict(g.section.get("restricted")),
            });
        }
        let mut reasons: BTreeMap<String, (RuleSource<'a>, BTreeSet<String>)> = BTreeMap::new();
        let mut blame = |id: &str, source: RuleSource<'a>, reason: String| {
            reasons.entry(id.to_string()).or_insert_with(|| (source, BTreeSet::new())).1.insert(reason);
        };
        let mut positive: Vec<(&'a HaRule, BTreeSet<&'a str>)> = Vec::new();
        let mut negative: Vec<(&'a HaRule, BTreeSet<&'a str>)> = Vec::new();
        for &r in &rules {
            let resources: BTreeSet<&'a str> = r.resources.iter().map(|s| s.value.as_str()).collect();
            match r.kind.value.as_str() {
                // A generated rule replaces a rule of rules.cfg with its ID.
                "node-affinity" if !generated.contains(&r.id.value) => na.push(NodeAffinity {
                    id: r.id.value.clone(),
                    source: RuleSource::Rule(r),
                    resources,
                    nodes: r.nodes.iter().map(|n| n.value.as_str()).collect(),
                    multiple_priorities: r.section.get("nodes").is_some_and(|v| multiple_priorities(&v.value)),
                    strict: is_strict(r.section.get("strict")),
                }),
                "resource-affinity" => {
                    if resources.len() < 2 {
                        blame(
                            &r.id.value,
                            RuleSource::Rule(r),
                            "rule is ineffective as there are less than two resources".into(),
                        );
                    }
                    match r.section.get("affinity").map(|a| a.value.as_str()) {
                        Some("positive") => positive.push((r, resources)),
                        Some("negative") => {
                            if ctx.nodes.as_ref().is_some_and(|n| resources.len() > n.len()) {
                                blame(
                                    &r.id.value,
                                    RuleSource::Rule(r),
                                    "rule defines more resources than available nodes".into(),
                                );
                            }
                            negative.push((r, resources));
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        // A resource in two node-affinity rules: every such rule is dropped.
        let mut rules_of: BTreeMap<&'a str, Vec<usize>> = BTreeMap::new();
        for (i, r) in na.iter().enumerate() {
            for s in &r.resources {
                rules_of.entry(s).or_default().push(i);
            }
        }
        for (sid, list) in rules_of.iter().filter(|(_, l)| l.len() > 1) {
            for &i in list {
                blame(
                    &na[i].id,
                    na[i].source,
                    format!("resource '{sid}' is already used in another node affinity rule"),
                );
            }
        }
        // Positive and negative rules sharing two or more resources: both dropped. The
        // shared count per pair, through the resources (no scan of every pair of rules).
        let mut neg_of: BTreeMap<&'a str, Vec<usize>> = BTreeMap::new();
        for (j, (_, res)) in negative.iter().enumerate() {
            for s in res {
                neg_of.entry(s).or_default().push(j);
            }
        }
        let mut shared: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for (i, (_, res)) in positive.iter().enumerate() {
            for s in res {
                for &j in neg_of.get(s).into_iter().flatten() {
                    *shared.entry((i, j)).or_default() += 1;
                }
            }
        }
        for ((i, j), _) in shared.into_iter().filter(|(_, n)| *n >= 2) {
            let (p, n) = (positive[i].0, negative[j].0);
            blame(
                &p.id.value,
                RuleSource::Rule(p),
                "rule shares two or more resources with a negative resource affinity rule".into(),
            );
            blame(
                &n.id.value,
                RuleSource::Rule(n),
                "rule shares two or more resources with a positive resource affinity rule".into(),
            );
        }
        // Checks between resource-affinity and node-affinity rules (Rules.pm).
        let na_of = |res: &BTreeSet<&'a str>| -> BTreeSet<usize> {
            res.iter().flat_map(|s| rules_of.get(s).into_iter().flatten().copied()).collect()
        };
        // `check_single_priority_node_affinity_in_resource_affinity_rules`.
        for (r, res) in positive.iter().chain(negative.iter()) {
            let paired = na_of(res);
            if paired.iter().any(|&i| na[i].multiple_priorities) {
                blame(
                    &r.id.value,
                    RuleSource::Rule(r),
                    "resources are in node affinity rules with multiple priorities".into(),
                );
                for &i in &paired {
                    blame(&na[i].id, na[i].source, "resources are in a resource affinity rule and cannot be in a node affinity rule with multiple priorities".into());
                }
            }
        }
        // `check_single_node_affinity_per_positive_resource_affinity_rule`: per set of
        // positive rules connected by shared resources.
        for component in connected(&positive) {
            let resources: BTreeSet<&'a str> = component.iter().flat_map(|&k| positive[k].1.iter().copied()).collect();
            let paired = na_of(&resources);
            if paired.len() > 1 {
                for &k in &component {
                    let p = positive[k].0;
                    blame(&p.id.value, RuleSource::Rule(p), "resources are in multiple node affinity rules".into());
                }
                for &i in &paired {
                    blame(&na[i].id, na[i].source, "at least one resource is in a positive resource affinity rule and there are other resources in at least one other node affinity rule already".into());
                }
            }
        }
        // `check_negative_resource_affinity_node_affinity_consistency`.
        for (r, res) in &negative {
            let paired = na_of(res);
            let located = res.iter().filter(|s| rules_of.contains_key(*s)).count();
            let allowed: BTreeSet<&str> = paired.iter().flat_map(|&i| na[i].nodes.iter().copied()).collect();
            if allowed.len() < located {
                blame(
                    &r.id.value,
                    RuleSource::Rule(r),
                    "two or more resources are restricted to less nodes than available to the resources".into(),
                );
                for &i in &paired {
                    blame(&na[i].id, na[i].source, "at least one resource is in a negative resource affinity rule and this rule would restrict these to less nodes than available to the resources".into());
                }
            }
        }
        let dropped: Vec<Dropped<'a>> = reasons
            .into_iter()
            .map(|(id, (source, r))| Dropped { id, source, reasons: r.into_iter().collect() })
            .collect();
        let gone: BTreeSet<&str> = dropped.iter().map(|d| d.id.as_str()).collect();
        let mut by_resource = BTreeMap::new();
        for (i, r) in na.iter().enumerate().filter(|(_, r)| !gone.contains(r.id.as_str())) {
            for s in &r.resources {
                by_resource.insert(*s, i);
            }
        }
        // The resources of a positive rule follow the node-affinity rule of any of them
        // (`create_implicit_positive_resource_affinity_node_affinity_rules`); repeated
        // until nothing changes, for positive rules that share resources.
        let kept: Vec<&BTreeSet<&'a str>> =
            positive.iter().filter(|(r, _)| !gone.contains(r.id.value.as_str())).map(|(_, res)| res).collect();
        loop {
            let mut changed = false;
            for res in &kept {
                let Some(i) = res.iter().find_map(|s| by_resource.get(s).copied()) else { continue };
                for s in res.iter() {
                    if !by_resource.contains_key(s) {
                        by_resource.insert(*s, i);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        Placement { node_affinity: na, dropped, by_resource }
    }

    /// Where HA may run resource `sid`; `None` when the cluster's nodes are unknown.
    pub fn candidates(&self, ctx: &Context, sid: &str) -> Option<Candidates<'a>> {
        let cluster = ctx.nodes.as_ref()?;
        let Some(&i) = self.by_resource.get(sid) else { return Some(Candidates::All) };
        let r = &self.node_affinity[i];
        if !r.strict {
            return Some(Candidates::All);
        }
        let nodes: BTreeSet<&str> = r.nodes.iter().copied().filter(|n| cluster.contains(*n)).collect();
        Some(Candidates::Only(nodes.into_iter().map(String::from).collect(), r.source))
    }
}

/// The positive rules grouped by shared resources (`find_disjoint_rules_resource_sets`):
/// indexes into `rules`, each group ascending, groups in order of their first rule.
fn connected(rules: &[(&HaRule, BTreeSet<&str>)]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..rules.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut first: BTreeMap<&str, usize> = BTreeMap::new();
    for (k, (_, res)) in rules.iter().enumerate() {
        for s in res {
            match first.get(s) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, j), root(&mut parent, k));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    first.insert(s, k);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for k in 0..rules.len() {
        let r = root(&mut parent, k);
        groups.entry(r).or_default().push(k);
    }
    groups.into_values().collect()
}

impl<'a> Context<'a> {
    /// The effective HA rules, computed once per call (HA files are small).
    pub fn ha_placement(&self) -> Placement<'a> {
        Placement::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pvelint_parse::tree::{InputFile, TreeInput};

    fn tree(files: &[(&str, &str)]) -> pvelint_parse::Tree {
        let mut nodes = String::from("nodelist {\n");
        for i in 1..=3 {
            nodes
                .push_str(&format!("  node {{\n    name: pve{i}\n    nodeid: {i}\n    ring0_addr: 10.0.0.{i}\n  }}\n"));
        }
        nodes.push_str("}\n");
        let mut input: Vec<InputFile> = files.iter().map(|&(p, t)| InputFile::new(p, t.as_bytes().to_vec())).collect();
        input.push(InputFile::new("corosync.conf", nodes.into_bytes()));
        pvelint_parse::load(TreeInput { files: input, ..TreeInput::default() })
    }

    fn only(p: &Placement, ctx: &Context, sid: &str) -> Option<Vec<String>> {
        match p.candidates(ctx, sid)? {
            Candidates::All => None,
            Candidates::Only(list, _) => Some(list),
        }
    }

    /// A group becomes `ha-group-<id>` and replaces a rule of that ID; positive partners
    /// follow the node affinity; a dropped rule binds nothing.
    #[test]
    fn candidates_follow_the_rules_the_crm_keeps() {
        let t = tree(&[
            ("ha/groups.cfg", "group: db\n\tnodes pve1,ghost\n\trestricted 1\n\ngroup: unused\n\tnodes pve2\n"),
            ("ha/resources.cfg", "vm: 100\n\tgroup db\n\nvm: 101\n\nvm: 102\n\nvm: 103\n"),
            (
                "ha/rules.cfg",
                "node-affinity: ha-group-db\n\tresources vm:102\n\tnodes pve3\n\tstrict 1\n\nresource-affinity: together\n\tresources vm:100,vm:101\n\taffinity positive\n\nnode-affinity: pin-a\n\tresources vm:103\n\tnodes pve2\n\tstrict 1\n\nnode-affinity: pin-b\n\tresources vm:103\n\tnodes pve3\n",
            ),
        ]);
        let ctx = Context::new(&t);
        let p = ctx.ha_placement();
        assert_eq!(only(&p, &ctx, "vm:100"), Some(vec!["pve1".to_string()]));
        assert_eq!(only(&p, &ctx, "vm:101"), Some(vec!["pve1".to_string()]));
        assert_eq!(only(&p, &ctx, "vm:102"), None);
        assert_eq!(only(&p, &ctx, "vm:103"), None);
        let dropped: Vec<&str> = p.dropped.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(dropped, ["pin-a", "pin-b"]);
        assert_eq!(p.dropped[0].reasons, ["resource 'vm:103' is already used in another node affinity rule"]);
        assert!(p.node_affinity.iter().all(|r| r.id != "ha-group-unused"));
    }
}
