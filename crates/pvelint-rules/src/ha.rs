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
//! `check_inter_resource_affinity_rules_consistency`. On PVE 8 (no rules.cfg) the group is
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
    pub strict: bool,
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

impl<'a> Context<'a> {
    /// The effective HA rules, computed once per call (HA files are small).
    pub fn ha_placement(&self) -> Placement<'a> {
        Placement::new(self)
    }
}
