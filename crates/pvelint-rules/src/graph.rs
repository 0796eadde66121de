//! The dependency graph of a tree ("what hangs on what"): objects (nodes, storages,
//! guests, backup jobs, each node's vzdump.conf, replication jobs, HA resources, groups
//! and rules, pools) and the edges between them, built from the parsed tree and the
//! [`Context`] indexes; findings attached to the object or edge their primary span
//! belongs to; and [`Graph::focus`], the part within reach of some objects.
//!
//! No file system, no rendering: the CLI's `output::graph` draws it.
//!
//! Size: every object and edge stands for something written in the tree (a section, a
//! volume line, a list item, a node) or for one relation per object; a selection that
//! is not written out (`all`, a storage without `nodes`) is one edge to the `cluster`
//! object ("every node"), never one edge per guest or node. The graph grows linearly
//! with the tree. One exception: with node facts, a restricted zfspool storage gets an
//! edge to each node whose facts show its pool imported (storages × nodes with facts).

use crate::context::{list_items, Context, PathOwner};
use pvelint_parse::section::Section;
use pvelint_parse::{Diagnostic, FileId, Span};
use std::collections::HashMap;

/// What an object is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Every node of the cluster (the target of selections that are not written out).
    Cluster,
    Node,
    Storage,
    Guest,
    Job,
    /// A node's `/etc/vzdump.conf`.
    VzdumpConf,
    Replication,
    HaResource,
    HaGroup,
    HaRule,
    Pool,
    /// A PCI, USB or directory resource mapping (`mapping/*.cfg`).
    Mapping,
    /// An SDN vnet (`sdn/vnets.cfg` or the running config).
    Vnet,
}

impl Kind {
    /// The name in object IDs and the JSON contract.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cluster => "cluster",
            Kind::Node => "node",
            Kind::Storage => "storage",
            Kind::Guest => "guest",
            Kind::Job => "job",
            Kind::VzdumpConf => "vzdump-conf",
            Kind::Replication => "replication",
            Kind::HaResource => "ha-resource",
            Kind::HaGroup => "ha-group",
            Kind::HaRule => "ha-rule",
            Kind::Pool => "pool",
            Kind::Mapping => "mapping",
            Kind::Vnet => "vnet",
        }
    }

    /// Objects many others point at (nodes, storages, jobs, pools, HA groups and rules):
    /// [`Graph::focus`] keeps them but does not go on through them.
    pub fn is_hub(self) -> bool {
        !matches!(self, Kind::Guest | Kind::VzdumpConf | Kind::Replication | Kind::HaResource)
    }

    /// The column of the layered drawing: nodes | storages | guests | the rest.
    pub fn column(self) -> usize {
        match self {
            Kind::Cluster | Kind::Node => 0,
            Kind::Storage => 1,
            Kind::Guest => 2,
            _ => 3,
        }
    }

    /// Every kind, in the graph's order.
    pub const ALL: [Kind; 13] = [
        Kind::Cluster,
        Kind::Node,
        Kind::Storage,
        Kind::Guest,
        Kind::Job,
        Kind::VzdumpConf,
        Kind::Replication,
        Kind::HaResource,
        Kind::HaGroup,
        Kind::HaRule,
        Kind::Pool,
        Kind::Mapping,
        Kind::Vnet,
    ];
}

/// What an edge says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// guest → storage: a volume (label: the key, `mp0 (backup=1)`).
    Volume,
    /// guest → node: the node whose directory holds the config.
    On,
    /// storage → node (or cluster): where `nodes` makes it available.
    AvailableOn,
    /// storage → node: the node's facts show the storage's pool imported.
    Imported,
    /// job → guest (a `vmid` list, or, in a focused graph, a guest an `all` job selects),
    /// job → node or cluster (`all`), job → pool (`pool`).
    Selects,
    /// job → guest: `exclude`.
    Excludes,
    /// job → storage: where its backups go.
    Target,
    /// vzdump.conf or job → storage: `tmpdir`, `dumpdir`, `script` inside its directory.
    Path,
    /// vzdump.conf → node.
    Of,
    /// pool → guest.
    Member,
    /// replication → guest.
    Replicates,
    /// replication → node.
    ReplicatesTo,
    /// HA resource → guest.
    Manages,
    /// HA resource → group, HA rule → resource.
    Uses,
    /// HA group or rule → node.
    Allows,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Volume => "volume",
            EdgeKind::On => "on",
            EdgeKind::AvailableOn => "available-on",
            EdgeKind::Imported => "imported",
            EdgeKind::Selects => "selects",
            EdgeKind::Excludes => "excludes",
            EdgeKind::Target => "target",
            EdgeKind::Path => "path",
            EdgeKind::Of => "of",
            EdgeKind::Member => "member",
            EdgeKind::Replicates => "replicates",
            EdgeKind::ReplicatesTo => "replicates-to",
            EdgeKind::Manages => "manages",
            EdgeKind::Uses => "uses",
            EdgeKind::Allows => "allows",
        }
    }
}

/// One object of the graph.
#[derive(Clone, Debug)]
pub struct Object {
    pub kind: Kind,
    /// Unique within its kind: node name, storage ID, VMID (`106@node` for a second
    /// config with the same VMID), job ID, node of a vzdump.conf, …
    pub key: String,
    /// One line for people (`CT 106 homebridge`).
    pub label: String,
    /// A few words each (`zfspool`, `shared`, `disabled`, `not defined`); never a list
    /// that grows with the cluster.
    pub notes: Vec<String>,
    /// Indexes of the findings attached to it (in the order of the findings given to
    /// [`Graph::attach`]).
    pub findings: Vec<usize>,
    /// Where it is written (a section), to attach findings.
    span: Option<Span>,
    /// The file that is this object as a whole (a guest config, a vzdump.conf).
    file: Option<FileId>,
    /// Guests sort by VMID, the rest by key.
    order: u64,
}

impl Object {
    /// `storage:local-3TB-backup`, `guest:106`, `cluster`.
    pub fn id(&self) -> String {
        if self.kind == Kind::Cluster {
            return "cluster".into();
        }
        format!("{}:{}", self.kind.as_str(), self.key)
    }
}

/// One edge of the graph (`from` and `to` are indexes in [`Graph::objects`]).
#[derive(Clone, Debug)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    /// `mp0 (backup=1)`, `tmpdir`, `all guests`.
    pub label: String,
    /// A volume included in backups on a fragile storage (a non-shared storage tied to
    /// one node, [`Context::is_fragile`]), or a vzdump path inside one: marked even
    /// without a finding.
    pub fragile: bool,
    pub findings: Vec<usize>,
    span: Option<Span>,
}

/// The graph.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub objects: Vec<Object>,
    pub edges: Vec<Edge>,
    /// The objects a focus started from (empty: the whole tree).
    pub focus: Vec<usize>,
    /// Findings whose span belongs to no object or edge (corosync.conf, datacenter.cfg,
    /// …), by index.
    pub unattached: Vec<usize>,
}

/// Builds the graph of `ctx.tree`.
pub fn build(ctx: &Context) -> Graph {
    let mut b = Builder { g: Graph::default(), index: HashMap::new() };
    b.nodes(ctx);
    b.storages(ctx);
    b.guests(ctx);
    b.pools(ctx);
    b.jobs(ctx);
    b.vzdump(ctx);
    b.replication(ctx);
    b.ha(ctx);
    b.mappings_and_vnets(ctx);
    // corosync.conf is about the whole cluster: its findings (quorum, links) belong to
    // the object that stands for every node.
    if let Some(c) = &ctx.tree.corosync {
        let i = b.cluster();
        b.g.objects[i].file = Some(c.file);
    }
    b.finish()
}

struct Builder {
    g: Graph,
    index: HashMap<(Kind, String), usize>,
}

/// The extent of a section: its header to the end of its last line.
fn section_span(s: &Section) -> Span {
    let end = s.raw.props.iter().map(|p| p.line.end).max().unwrap_or(s.raw.header.end).max(s.raw.header.end);
    Span { file: s.raw.header.file, start: s.raw.header.start, end }
}

impl Builder {
    fn object(&mut self, kind: Kind, key: &str, label: String) -> usize {
        if let Some(&i) = self.index.get(&(kind, key.to_string())) {
            return i;
        }
        let i = self.g.objects.len();
        self.g.objects.push(Object {
            kind,
            key: key.to_string(),
            label,
            notes: Vec::new(),
            findings: Vec::new(),
            span: None,
            file: None,
            order: 0,
        });
        self.index.insert((kind, key.to_string()), i);
        i
    }

    fn find(&self, kind: Kind, key: &str) -> Option<usize> {
        self.index.get(&(kind, key.to_string())).copied()
    }

    /// The object a reference names; one the tree does not define is made, with a
    /// note that says so.
    fn named(&mut self, kind: Kind, key: &str, label: String, missing: &str) -> usize {
        match self.find(kind, key) {
            Some(i) => i,
            None => {
                let i = self.object(kind, key, label);
                self.g.objects[i].notes.push(missing.into());
                i
            }
        }
    }

    fn node(&mut self, name: &str) -> usize {
        self.named(Kind::Node, name, name.to_string(), "not in the cluster")
    }

    fn cluster(&mut self) -> usize {
        self.object(Kind::Cluster, "", "every node".into())
    }

    /// A storage object; an ID storage.cfg does not define gets one marked so.
    fn storage(&mut self, id: &str) -> usize {
        self.named(Kind::Storage, id, id.to_string(), "not defined")
    }

    fn edge(&mut self, from: usize, to: usize, kind: EdgeKind, label: impl Into<String>, span: Option<Span>) -> usize {
        self.g.edges.push(Edge { from, to, kind, label: label.into(), fragile: false, findings: Vec::new(), span });
        self.g.edges.len() - 1
    }

    fn nodes(&mut self, ctx: &Context) {
        let t = ctx.tree;
        let mut names: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        names.extend(ctx.nodes.iter().flatten().map(String::as_str));
        names.extend(t.guests.iter().map(|g| g.node.as_str()));
        names.extend(t.vzdump_confs.keys().map(String::as_str));
        names.extend(t.facts.keys().map(String::as_str));
        for n in names {
            let i = self.object(Kind::Node, n, n.to_string());
            if ctx.node_unknown(n) {
                self.g.objects[i].notes.push("not in the cluster".into());
            }
            if t.facts.contains_key(n) {
                self.g.objects[i].notes.push("facts".into());
            }
        }
    }

    fn storages(&mut self, ctx: &Context) {
        let t = ctx.tree;
        for s in t.storage.storages.iter() {
            // The effective definition only (a repeated ID is a finding of its own).
            if !ctx.storage(&s.id).is_some_and(|e| std::ptr::eq(e, s)) {
                continue;
            }
            let i = self.object(Kind::Storage, &s.id, s.id.clone());
            let o = &mut self.g.objects[i];
            o.span = s.section.as_ref().map(section_span);
            o.notes.push(format!("{:?}", s.kind).to_ascii_lowercase());
            if s.shared.value {
                o.notes.push("shared".into());
            }
            if s.is_disabled() {
                o.notes.push("disabled".into());
            }
            if !s.usable {
                o.notes.push("not usable".into());
            }
            if s.builtin {
                o.notes.push("built in".into());
            }
            // Each node of `nodes` with its own span when the list is the one written
            // (a what-if change replaces the set, not the text).
            let written = s.section.as_ref().and_then(|sec| sec.get("nodes")).map(list_items);
            let same = |items: &Vec<pvelint_parse::Spanned<String>>, set: &std::collections::BTreeSet<String>| {
                items.len() == set.len() && items.iter().all(|x| set.contains(&x.value))
            };
            match (&s.nodes, written) {
                (None, _) => {
                    let c = self.cluster();
                    self.edge(i, c, EdgeKind::AvailableOn, "every node", None);
                }
                (Some(set), Some(items)) if same(&items, &set.value) => {
                    for item in items {
                        let n = self.node(&item.value);
                        self.edge(i, n, EdgeKind::AvailableOn, "nodes", Some(item.span));
                    }
                }
                (Some(set), _) => {
                    for n in set.value.iter() {
                        let n = self.node(n);
                        self.edge(i, n, EdgeKind::AvailableOn, "nodes", Some(set.span));
                    }
                }
            }
            // Facts: where the storage's pool is really imported (restricted pools only).
            if s.nodes.is_some() && crate::backing::zfs_pool(s).is_some() {
                for (node, nf) in &t.facts {
                    if crate::backing::presence(s, nf) == crate::backing::Presence::Present {
                        let n = self.node(node);
                        self.edge(i, n, EdgeKind::Imported, "pool imported (facts)", None);
                    }
                }
            }
        }
    }

    fn guests(&mut self, ctx: &Context) {
        let t = ctx.tree;
        for (gi, g) in t.guests.iter().enumerate() {
            let mut key = g.vmid.to_string();
            if self.find(Kind::Guest, &key).is_some() {
                key = format!("{}@{}", g.vmid, g.node);
            }
            let name = ["hostname", "name"].iter().find_map(|k| g.config.get(k)).map(|e| g.config.value(e));
            let label = match name {
                Some(n) if !n.is_empty() => format!("{} {}", g.label(), n),
                _ => g.label(),
            };
            let i = self.object(Kind::Guest, &key, label);
            self.g.objects[i].file = Some(g.file);
            self.g.objects[i].order = u64::from(g.vmid);
            let n = self.node(&g.node);
            self.edge(i, n, EdgeKind::On, "on", None);
            for v in ctx.guest_volumes(gi).filter(|v| v.in_main()) {
                let target = match (v.storage_id(), v.mount_path()) {
                    (Some(id), _) => Some(self.storage(id.value)),
                    (None, _) if v.value().starts_with('/') => match ctx.path_owner(v.value()) {
                        Some(PathOwner::Storage(s, _)) => Some(self.storage(&s.id)),
                        _ => None,
                    },
                    _ => None,
                };
                let Some(to) = target else { continue };
                let mut label = v.key().to_string();
                if let Some(b) = v.flag("backup") {
                    label.push_str(if b { " (backup=1)" } else { " (backup=0)" });
                }
                if !v.is_volume() {
                    label.push_str(" (bind)");
                }
                let span = g.config.line(g.config.entry_of(v.vol));
                let e = self.edge(i, to, EdgeKind::Volume, label, Some(span));
                self.g.edges[e].fragile = v.backed_up() && v.storage.is_some_and(|s| ctx.is_fragile(s));
            }
        }
    }

    fn guest_by_vmid(&self, vmid: u32) -> Option<usize> {
        self.find(Kind::Guest, &vmid.to_string())
    }

    /// Resource mappings and SDN vnets the guests use: guest → mapping (`hostpci0`) →
    /// the nodes with an entry; guest → vnet (`net0`) → the nodes of its zone (or every
    /// node).
    fn mappings_and_vnets(&mut self, ctx: &Context) {
        for r in ctx.mapping_refs() {
            let Some(gi) = self.guest_object(r.guest) else { continue };
            let key = format!("{}:{}", r.kind.type_name(), r.id.value);
            let fresh = self.find(Kind::Mapping, &key).is_none();
            let m = self.object(Kind::Mapping, &key, format!("{} {}", r.kind.noun(), r.id.value));
            self.edge(gi, m, EdgeKind::Uses, r.key, Some(r.line));
            if !fresh {
                continue;
            }
            match ctx.mapping(r.kind, r.id.value) {
                Some(def) => {
                    self.g.objects[m].span = Some(section_span(&def.section));
                    let mut nodes: Vec<&str> = def.entries.iter().map(|e| e.node.value.as_str()).collect();
                    nodes.sort_unstable();
                    nodes.dedup();
                    for n in nodes {
                        let to = self.node(n);
                        self.edge(m, to, EdgeKind::AvailableOn, "map", None);
                    }
                }
                None => self.g.objects[m].notes.push("not defined".into()),
            }
        }
        let idx = ctx.sdn_index();
        for nic in ctx.vnet_nics() {
            let Some(gi) = self.guest_object(nic.guest) else { continue };
            let fresh = self.find(Kind::Vnet, nic.bridge.value).is_none();
            let v = self.object(Kind::Vnet, nic.bridge.value, format!("vnet {}", nic.bridge.value));
            self.edge(gi, v, EdgeKind::Uses, nic.key, Some(nic.bridge.span));
            if !fresh {
                continue;
            }
            let zone = idx.vnets.get(nic.bridge.value).and_then(|s| s.values.get("zone"));
            let zone_nodes = zone.and_then(|z| idx.zones.get(z.value.as_str())).and_then(|z| z.values.get("nodes"));
            if let Some(z) = zone {
                self.g.objects[v].notes.push(format!("zone {}", z.value));
            }
            match zone_nodes {
                Some(list) => {
                    let mut nodes: Vec<&str> =
                        list.value.split([',', ';', ' ']).map(str::trim).filter(|n| !n.is_empty()).collect();
                    nodes.sort_unstable();
                    nodes.dedup();
                    for n in nodes {
                        let to = self.node(n);
                        self.edge(v, to, EdgeKind::AvailableOn, "zone nodes", Some(list.span));
                    }
                }
                None => {
                    let c = self.cluster();
                    self.edge(v, c, EdgeKind::AvailableOn, "zone nodes", None);
                }
            }
        }
    }

    /// The object of a guest (the VMID, or `vmid@node` for a second config of a VMID).
    fn guest_object(&self, g: &pvelint_parse::Guest) -> Option<usize> {
        self.find(Kind::Guest, &format!("{}@{}", g.vmid, g.node))
            .or_else(|| self.find(Kind::Guest, &g.vmid.to_string()))
    }

    fn pools(&mut self, ctx: &Context) {
        for p in ctx.tree.user.iter().flat_map(|u| u.pools.iter()) {
            let i = self.object(Kind::Pool, &p.name.value, format!("pool {}", p.name.value));
            self.g.objects[i].span = Some(p.line);
            for v in &p.vmids {
                if let Some(gi) = self.guest_by_vmid(v.value) {
                    self.edge(i, gi, EdgeKind::Member, "member", Some(v.span));
                }
            }
        }
    }

    fn jobs(&mut self, ctx: &Context) {
        let Some(jobs) = &ctx.tree.jobs else { return };
        // Enabled jobs that write to the implicit `local` on some node (computed once for
        // all jobs by the context).
        let implicit_local: std::collections::HashSet<&str> = ctx
            .job_targets()
            .iter()
            .filter(|t| t.set_at.is_none())
            .filter_map(|t| t.jobs.first().map(|j| j.id.value.as_str()))
            .collect();
        for job in jobs.vzdump_jobs() {
            let i = self.object(Kind::Job, &job.id.value, format!("job {}", job.id.value));
            let o = &mut self.g.objects[i];
            o.span = Some(section_span(&job.section));
            if !job.enabled {
                o.notes.push("disabled".into());
            }
            if let Some(s) = &job.schedule {
                o.notes.push(format!("schedule {}", s.value));
            }
            let opts = &job.opts;
            if let Some(pool) = opts.pool() {
                self.g.objects[i].notes.push(format!("pool {}", pool.value));
                let p = self.named(Kind::Pool, &pool.value, format!("pool {}", pool.value), "not defined");
                self.edge(i, p, EdgeKind::Selects, "pool", Some(pool.span));
            } else if !opts.vmids().is_empty() {
                let ids = opts.vmids();
                self.g.objects[i].notes.push(pvelint_parse::text::count(ids.len(), "guest"));
                for v in ids {
                    if let Some(gi) = self.guest_by_vmid(v.value) {
                        self.edge(i, gi, EdgeKind::Selects, "vmid", Some(v.span));
                    }
                }
            } else if opts.all() || !opts.excludes().is_empty() {
                let ex = opts.excludes();
                let what =
                    if ex.is_empty() { "all guests".to_string() } else { format!("all guests but {}", ex.len()) };
                self.g.objects[i].notes.push(what.clone());
                let (to, span) = match opts.node() {
                    Some(n) => (self.node(&n.value), Some(n.span)),
                    None => (self.cluster(), None),
                };
                self.edge(i, to, EdgeKind::Selects, what, span);
                for v in ex {
                    if let Some(gi) = self.guest_by_vmid(v.value) {
                        self.edge(i, gi, EdgeKind::Excludes, "exclude", Some(v.span));
                    }
                }
            }
            // The job's own `storage`, or the default `local`; a target that a node's
            // vzdump.conf sets is that vzdump.conf's edge (one per node, not one per
            // job and node).
            if let Some(st) = opts.storage() {
                let s = self.storage(&st.value);
                self.edge(i, s, EdgeKind::Target, "backups", Some(st.span));
            } else if implicit_local.contains(job.id.value.as_str()) {
                let s = self.storage("local");
                self.edge(i, s, EdgeKind::Target, "backups (default)", None);
            }
        }
    }

    fn vzdump(&mut self, ctx: &Context) {
        for (node, conf) in &ctx.tree.vzdump_confs {
            let i = self.object(Kind::VzdumpConf, node, format!("vzdump.conf of {node}"));
            self.g.objects[i].file = Some(conf.file);
            let n = self.node(node);
            self.edge(i, n, EdgeKind::Of, "of", None);
            if let Some(st) = conf.opts.storage() {
                let s = self.storage(&st.value);
                self.edge(i, s, EdgeKind::Target, "storage", Some(st.span));
            }
        }
        for p in ctx.vzdump_paths() {
            let from = match p.object.split_once(':') {
                Some(("node", n)) => self.find(Kind::VzdumpConf, n),
                Some(("job", j)) => self.find(Kind::Job, j),
                _ => None,
            };
            let Some(from) = from else { continue };
            let (to, fragile) = match ctx.path_owner(&p.value.value) {
                Some(PathOwner::Storage(s, _)) => (self.storage(&s.id), ctx.is_fragile(s)),
                Some(PathOwner::GhostMount(id, _)) => (self.storage(&id), false),
                None => continue,
            };
            let e = self.edge(from, to, EdgeKind::Path, p.key, Some(p.value.span));
            self.g.edges[e].fragile = fragile;
        }
    }

    fn replication(&mut self, ctx: &Context) {
        let Some(r) = &ctx.tree.replication else { return };
        for job in &r.jobs {
            let i = self.object(Kind::Replication, &job.id.value, format!("replication {}", job.id.value));
            self.g.objects[i].span = Some(section_span(&job.section));
            if job.disabled {
                self.g.objects[i].notes.push("disabled".into());
            }
            if let Some(gi) = job.guest.and_then(|v| self.guest_by_vmid(v)) {
                self.edge(i, gi, EdgeKind::Replicates, "guest", None);
            }
            if let Some(t) = &job.target {
                let n = self.node(&t.value);
                self.edge(i, n, EdgeKind::ReplicatesTo, "target", Some(t.span));
            }
        }
    }

    fn ha(&mut self, ctx: &Context) {
        let ha = &ctx.tree.ha;
        for grp in ha.groups.iter().flat_map(|g| g.groups.iter()) {
            let i = self.object(Kind::HaGroup, &grp.id.value, format!("HA group {}", grp.id.value));
            self.g.objects[i].span = Some(section_span(&grp.section));
            for n in &grp.nodes {
                let n2 = self.node(&n.value);
                self.edge(i, n2, EdgeKind::Allows, "nodes", Some(n.span));
            }
        }
        for res in ha.resources.iter().flat_map(|r| r.resources.iter()) {
            let i = self.object(Kind::HaResource, &res.sid.value, format!("HA {}", res.sid.value));
            self.g.objects[i].span = Some(section_span(&res.section));
            self.g.objects[i].notes.push(format!("state {}", res.state()));
            if let Some(gi) = res.vmid.and_then(|v| self.guest_by_vmid(v)) {
                self.edge(i, gi, EdgeKind::Manages, "guest", None);
            }
            if let Some(g) = &res.group {
                let to = self.named(Kind::HaGroup, &g.value, format!("HA group {}", g.value), "not defined");
                self.edge(i, to, EdgeKind::Uses, "group", Some(g.span));
            }
        }
        for rule in ha.rules.iter().flat_map(|r| r.rules.iter()) {
            let i = self.object(Kind::HaRule, &rule.id.value, format!("HA rule {}", rule.id.value));
            self.g.objects[i].span = Some(section_span(&rule.section));
            self.g.objects[i].notes.push(rule.kind.value.clone());
            if rule.disabled() {
                self.g.objects[i].notes.push("disabled".into());
            }
            for n in &rule.nodes {
                let n2 = self.node(&n.value);
                self.edge(i, n2, EdgeKind::Allows, "nodes", Some(n.span));
            }
            for r in &rule.resources {
                if let Some(x) = self.find(Kind::HaResource, &r.value) {
                    self.edge(i, x, EdgeKind::Uses, "resources", Some(r.span));
                }
            }
        }
    }

    /// Sorts objects (kind, then VMID or key) and edges (from, to, kind, label) so that
    /// the same tree gives the same graph whatever order it was built in.
    fn finish(mut self) -> Graph {
        let mut order: Vec<usize> = (0..self.g.objects.len()).collect();
        let objs = &self.g.objects;
        order.sort_by(|&a, &b| {
            let (x, y) = (&objs[a], &objs[b]);
            (x.kind, x.order, &x.key).cmp(&(y.kind, y.order, &y.key))
        });
        self.g = reindex(&self.g, &order, None);
        self.g
    }
}

/// The graph restricted to `keep` (indexes, in the new order), with the edges between
/// kept objects plus `extra` edges (already in old indexes); edges sorted.
fn reindex(g: &Graph, keep: &[usize], extra: Option<Vec<Edge>>) -> Graph {
    let mut new_at = vec![usize::MAX; g.objects.len()];
    for (n, &o) in keep.iter().enumerate() {
        new_at[o] = n;
    }
    let objects: Vec<Object> = keep.iter().map(|&o| g.objects[o].clone()).collect();
    let mut edges: Vec<Edge> = g
        .edges
        .iter()
        .chain(extra.iter().flatten())
        .filter(|e| new_at[e.from] != usize::MAX && new_at[e.to] != usize::MAX)
        .map(|e| Edge { from: new_at[e.from], to: new_at[e.to], ..e.clone() })
        .collect();
    edges.sort_by(|a, b| (a.from, a.to, a.kind, &a.label, a.span).cmp(&(b.from, b.to, b.kind, &b.label, b.span)));
    edges.dedup_by(|a, b| (a.from, a.to, a.kind, &a.label, a.span) == (b.from, b.to, b.kind, &b.label, b.span));
    let focus = g.focus.iter().filter(|&&f| new_at[f] != usize::MAX).map(|&f| new_at[f]).collect();
    Graph { objects, edges, focus, unattached: g.unattached.clone() }
}

/// Where a finding goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Object(usize),
    Edge(usize),
}

impl Graph {
    /// The object with this ID (`storage:local-3TB-backup`, `guest:106`, `cluster`).
    pub fn find(&self, id: &str) -> Option<usize> {
        let (kind, key) = match id.split_once(':') {
            Some((k, key)) => (Kind::ALL.into_iter().find(|x| x.as_str() == k)?, key),
            None if id == "cluster" => (Kind::Cluster, ""),
            None => return None,
        };
        self.objects.iter().position(|o| o.kind == kind && o.key == key)
    }

    /// Attaches each finding to the edge whose span holds its primary span, else the
    /// object whose section holds it, else the object that is its whole file (a guest
    /// config, a vzdump.conf); the rest are [`Graph::unattached`]. Indexes refer to
    /// `diags`. O((findings + graph) log graph).
    pub fn attach(&mut self, diags: &[Diagnostic]) -> Vec<Option<Place>> {
        let edge_spans = span_index(self.edges.iter().enumerate().filter_map(|(i, e)| e.span.map(|s| (s, i))));
        let obj_spans = span_index(self.objects.iter().enumerate().filter_map(|(i, o)| o.span.map(|s| (s, i))));
        let files: HashMap<FileId, usize> =
            self.objects.iter().enumerate().filter_map(|(i, o)| o.file.map(|f| (f, i))).collect();
        let mut places = Vec::with_capacity(diags.len());
        for (di, d) in diags.iter().enumerate() {
            let place = containing(&edge_spans, d.span)
                .map(Place::Edge)
                .or_else(|| containing(&obj_spans, d.span).map(Place::Object))
                .or_else(|| files.get(&d.span.file).map(|&o| Place::Object(o)));
            match place {
                Some(Place::Edge(e)) => self.edges[e].findings.push(di),
                Some(Place::Object(o)) => self.objects[o].findings.push(di),
                None => self.unattached.push(di),
            }
            places.push(place);
        }
        places
    }

    /// The graph restricted to some objects (indexes, kept in graph order) and the edges
    /// between them.
    pub fn restrict(&self, keep: &[usize]) -> Graph {
        let mut keep = keep.to_vec();
        keep.sort_unstable();
        keep.dedup();
        reindex(self, &keep, None)
    }

    /// The objects findings are attached to, and both ends of edges that carry one.
    pub fn touched(&self) -> Vec<usize> {
        let mut t: Vec<usize> = (0..self.objects.len()).filter(|&o| !self.objects[o].findings.is_empty()).collect();
        for e in self.edges.iter().filter(|e| !e.findings.is_empty()) {
            t.extend([e.from, e.to]);
        }
        t.sort_unstable();
        t.dedup();
        t
    }

    /// The part of the graph within reach of `start`: the start objects; every object an
    /// edge joins (either direction) to a kept object that is the start or not a hub
    /// (guests, vzdump.confs, replication jobs and HA resources pass reach on; nodes,
    /// storages, jobs, pools, HA groups and rules are kept but stop it); every guest a
    /// focused backup job selects (through `selects` edges, also for `all` and `pool`),
    /// reach going on from it; the backup jobs that select a kept guest (an `all` job: a `selects` edge to that guest is added;
    /// a pool job: through the kept pool); and the target storages of kept jobs. Edges:
    /// those between kept objects.
    ///
    /// `ctx` must be the context of the tree the graph was built from. Cost: the kept
    /// part and its edges, plus one look at each job per kept guest.
    pub fn focus(&self, ctx: &Context, start: &[usize]) -> Graph {
        self.reach(ctx, start, true)
    }

    /// [`Graph::focus`]; without `selections`, a focused `all` or `pool` job does not
    /// reach every guest it selects (the Markdown summary, which starts from the objects
    /// findings touch, shows what they touch, not a whole job's selection).
    pub fn reach(&self, ctx: &Context, start: &[usize], selections: bool) -> Graph {
        let n = self.objects.len();
        let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, e) in self.edges.iter().enumerate() {
            adj[e.from].push(i);
            adj[e.to].push(i);
        }
        let mut kept = vec![false; n];
        let mut expanded = vec![false; n];
        let mut queue: Vec<usize> = Vec::new();
        for &s in start {
            if s < n && !expanded[s] {
                kept[s] = true;
                expanded[s] = true;
                queue.push(s);
            }
        }
        // A focused backup job whose selection is not written out (`all`, `pool`): every
        // guest it selects is within reach, through a `selects` edge.
        let mut extra: Vec<Edge> = Vec::new();
        let focused_jobs: Vec<usize> =
            start.iter().copied().filter(|&s| selections && s < n && self.objects[s].kind == Kind::Job).collect();
        if !focused_jobs.is_empty() {
            let guest_at: HashMap<&str, usize> = (0..n)
                .filter(|&o| self.objects[o].kind == Kind::Guest)
                .map(|o| (self.objects[o].key.as_str(), o))
                .collect();
            let jobs = ctx.tree.jobs.iter().flat_map(|j| j.vzdump_jobs());
            for job in jobs.filter(|j| focused_jobs.iter().any(|&s| self.objects[s].key == j.id.value)) {
                let Some(&j) = focused_jobs.iter().find(|&&s| self.objects[s].key == job.id.value) else { continue };
                if !job.opts.vmids().is_empty() {
                    continue;
                }
                for g in ctx.selected_guests(&job.opts) {
                    let at = guest_at
                        .get(format!("{}@{}", g.vmid, g.node).as_str())
                        .or_else(|| guest_at.get(g.vmid.to_string().as_str()));
                    let Some(&o) = at else { continue };
                    extra.push(implied_selection(j, o, if job.opts.pool().is_some() { "pool" } else { "all guests" }));
                    kept[o] = true;
                    if !expanded[o] {
                        expanded[o] = true;
                        queue.push(o);
                    }
                }
            }
        }
        while let Some(o) = queue.pop() {
            for &e in &adj[o] {
                let other = if self.edges[e].from == o { self.edges[e].to } else { self.edges[e].from };
                kept[other] = true;
                if !expanded[other] && !self.objects[other].kind.is_hub() {
                    expanded[other] = true;
                    queue.push(other);
                }
            }
        }
        // Jobs that select a kept guest without naming it (`all`, `exclude`): one
        // `selects` edge per kept guest; pool jobs through a kept pool.
        let guests_of_vmid = |key: &str| key.split('@').next().and_then(|v| v.parse::<u32>().ok());
        // Each guest's node (its `on` edge), once.
        let mut node_of: Vec<Option<&str>> = vec![None; n];
        for e in self.edges.iter().filter(|e| e.kind == EdgeKind::On) {
            node_of[e.from] = Some(self.objects[e.to].key.as_str());
        }
        let kept_guests: Vec<(usize, u32)> = (0..n)
            .filter(|&o| kept[o] && self.objects[o].kind == Kind::Guest)
            .filter_map(|o| guests_of_vmid(&self.objects[o].key).map(|v| (o, v)))
            .collect();
        if let Some(jobs) = &ctx.tree.jobs {
            let job_at: HashMap<&str, usize> = (0..n)
                .filter(|&o| self.objects[o].kind == Kind::Job)
                .map(|o| (self.objects[o].key.as_str(), o))
                .collect();
            for job in jobs.vzdump_jobs() {
                let Some(&j) = job_at.get(job.id.value.as_str()) else { continue };
                let opts = &job.opts;
                if opts.pool().is_none() && opts.vmids().is_empty() && (opts.all() || !opts.excludes().is_empty()) {
                    let ex: Vec<u32> = opts.excludes().iter().map(|v| v.value).collect();
                    for &(o, vmid) in &kept_guests {
                        let on_node = opts.node().is_none_or(|nn| Some(nn.value.as_str()) == node_of[o]);
                        if on_node && !ex.contains(&vmid) {
                            kept[j] = true;
                            extra.push(implied_selection(j, o, "all guests"));
                        }
                    }
                }
                let via_pool = adj[j].iter().any(|&e| {
                    let ed = &self.edges[e];
                    ed.from == j
                        && ed.kind == EdgeKind::Selects
                        && kept[ed.to]
                        && self.objects[ed.to].kind == Kind::Pool
                });
                if via_pool {
                    kept[j] = true;
                }
            }
        }
        let kept_jobs: Vec<usize> = (0..n).filter(|&j| kept[j] && self.objects[j].kind == Kind::Job).collect();
        for j in kept_jobs {
            for &e in &adj[j] {
                if self.edges[e].from == j && self.edges[e].kind == EdgeKind::Target {
                    kept[self.edges[e].to] = true;
                }
            }
        }
        let keep: Vec<usize> = (0..n).filter(|&o| kept[o]).collect();
        let mut g = self.clone();
        g.focus = start.to_vec();
        let mut out = reindex(&g, &keep, Some(extra));
        out.unattached.clear();
        out
    }

    /// The highest severity among findings attached to an object or edge.
    pub fn max_severity(findings: &[usize], diags: &[Diagnostic]) -> Option<pvelint_parse::Severity> {
        findings.iter().filter_map(|&i| diags.get(i)).map(|d| d.severity).max()
    }

    /// The distinct codes of some findings, sorted (bounded by the number of rules).
    pub fn codes(findings: &[usize], diags: &[Diagnostic]) -> Vec<&'static str> {
        let set: std::collections::BTreeSet<&'static str> =
            findings.iter().filter_map(|&i| diags.get(i)).map(|d| d.code).collect();
        set.into_iter().collect()
    }
}

/// A `selects` edge that the tree does not write out: an `all` or `pool` job to a guest
/// it selects (made by [`Graph::focus`]).
fn implied_selection(job: usize, guest: usize, label: &str) -> Edge {
    Edge {
        from: job,
        to: guest,
        kind: EdgeKind::Selects,
        label: label.into(),
        fragile: false,
        findings: Vec::new(),
        span: None,
    }
}

/// Spans sorted by (file, start) for [`containing`].
fn span_index(items: impl Iterator<Item = (Span, usize)>) -> Vec<(Span, usize)> {
    let mut v: Vec<(Span, usize)> = items.collect();
    v.sort_by_key(|(s, i)| (s.file, s.start, std::cmp::Reverse(s.end), *i));
    v
}

/// The smallest indexed span that holds `s` (same file, start ≤ s.start, s.end ≤ end),
/// looking back from the last span that starts at or before `s` (a few steps: spans of
/// one kind barely nest).
fn containing(index: &[(Span, usize)], s: Span) -> Option<usize> {
    let at = index.partition_point(|(x, _)| (x.file, x.start) <= (s.file, s.start));
    index[..at]
        .iter()
        .rev()
        .take_while(|(x, _)| x.file == s.file)
        .take(16)
        .filter(|(x, _)| x.start <= s.start && s.end <= x.end.max(x.start))
        .min_by_key(|(x, _)| x.end - x.start)
        .map(|&(_, i)| i)
}

/// The object IDs a selection of `--focus` arguments names, or the first one that names
/// nothing (for the error).
pub fn resolve_focus(g: &Graph, ids: &[String]) -> Result<Vec<usize>, String> {
    let mut out = Vec::new();
    for id in ids {
        match g.find(id) {
            Some(i) => out.push(i),
            None => return Err(id.clone()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pvelint_parse::Tree;

    fn tree(files: &[(&str, &str)]) -> Tree {
        let mut input = pvelint_parse::TreeInput::default();
        for (p, t) in files {
            input.files.push(pvelint_parse::InputFile::new(p.to_string(), t.as_bytes().to_vec()));
        }
        pvelint_parse::load(input)
    }

    const STORAGE: &str = "dir: local\n\tpath /var/lib/vz\n\tcontent iso,backup\n\nzfspool: usb\n\tpool usb\n\tcontent rootdir\n\tmountpoint /usb\n\tnodes a\n";
    const COROSYNC: &str =
        "nodelist {\n  node {\n    name: a\n    nodeid: 1\n  }\n  node {\n    name: b\n    nodeid: 2\n  }\n}\n";

    fn sample() -> Tree {
        tree(&[
            ("storage.cfg", STORAGE),
            ("corosync.conf", COROSYNC),
            (
                "nodes/a/lxc/100.conf",
                "rootfs: local:100/vm-100-disk-0.raw\nmp0: usb:subvol-100-disk-0,mp=/m,backup=1\n",
            ),
            ("nodes/b/lxc/200.conf", "rootfs: local:200/vm-200-disk-0.raw\n"),
            ("nodes/b/lxc/300.conf", "rootfs: local:300/vm-300-disk-0.raw\n"),
            ("jobs.cfg", "vzdump: j1\n\tschedule daily\n\tall 1\n\texclude 200\n\tstorage local\n"),
        ])
    }

    fn edge<'a>(g: &'a Graph, from: &str, to: &str) -> Vec<&'a Edge> {
        g.edges.iter().filter(|e| g.objects[e.from].id() == from && g.objects[e.to].id() == to).collect()
    }

    #[test]
    fn objects_and_edges_of_a_small_tree() {
        let t = sample();
        let ctx = Context::new(&t);
        let g = build(&ctx);
        let ids: Vec<String> = g.objects.iter().map(Object::id).collect();
        assert_eq!(
            ids,
            [
                "cluster",
                "node:a",
                "node:b",
                "storage:local",
                "storage:usb",
                "guest:100",
                "guest:200",
                "guest:300",
                "job:j1"
            ]
        );
        let v = edge(&g, "guest:100", "storage:usb");
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].label, "mp0 (backup=1)");
        assert!(v[0].fragile, "backed-up volume on a single-node zfspool");
        assert!(!edge(&g, "guest:100", "storage:local")[0].fragile);
        assert_eq!(edge(&g, "storage:usb", "node:a").len(), 1);
        assert_eq!(edge(&g, "storage:local", "cluster").len(), 1);
        assert_eq!(edge(&g, "job:j1", "cluster")[0].label, "all guests but 1");
        assert_eq!(edge(&g, "job:j1", "guest:200")[0].kind, EdgeKind::Excludes);
        assert_eq!(edge(&g, "job:j1", "storage:local")[0].kind, EdgeKind::Target);
        // Never one edge per guest for an `all` job.
        assert!(edge(&g, "job:j1", "guest:100").is_empty());
    }

    #[test]
    fn focus_stops_at_hubs_and_adds_the_jobs_that_select_kept_guests() {
        let t = sample();
        let ctx = Context::new(&t);
        let g = build(&ctx);
        let f = g.focus(&ctx, &[g.find("storage:usb").unwrap()]);
        let ids: Vec<String> = f.objects.iter().map(Object::id).collect();
        // usb → guest 100 (expanded) → node a, storage local (hubs, not expanded), the
        // job that selects it and its target.
        assert_eq!(ids, ["node:a", "storage:local", "storage:usb", "guest:100", "job:j1"]);
        let sel = edge(&f, "job:j1", "guest:100");
        assert_eq!(sel.len(), 1);
        assert_eq!(sel[0].kind, EdgeKind::Selects);
        // Guest 300 shares storage local but local is a hub: not reached.
        assert!(f.find("guest:300").is_none());
        assert_eq!(f.focus, [2]);
    }

    #[test]
    fn findings_go_to_the_edge_or_object_of_their_span() {
        let t = sample();
        let diags = pvelint_rules_lint(&t);
        let ctx = Context::new(&t);
        let mut g = build(&ctx);
        let places = g.attach(&diags);
        for (d, p) in diags.iter().zip(&places) {
            if d.code == "G105" {
                let Some(Place::Edge(e)) = p else { panic!("G105 on an edge: {p:?}") };
                assert_eq!(g.objects[g.edges[*e].from].id(), "guest:100");
            }
        }
        assert!(diags.iter().any(|d| d.code == "G105"));
    }

    #[test]
    fn a_target_set_in_vzdump_conf_is_one_edge_per_node_not_per_job() {
        let mut input = pvelint_parse::TreeInput::default();
        let nodes_st =
            "dir: local\n\tpath /var/lib/vz\n\tcontent iso,backup\n\ndir: b1\n\tpath /b1\n\tcontent backup\n";
        for (p, t) in [
            ("storage.cfg", nodes_st),
            ("corosync.conf", COROSYNC),
            ("nodes/a/lxc/100.conf", "rootfs: local:100/vm-100-disk-0.raw\n"),
            ("jobs.cfg", "vzdump: j1\n\tall 1\n\nvzdump: j2\n\tall 1\n\nvzdump: j3\n\tall 1\n\tstorage b1\n"),
        ] {
            input.files.push(pvelint_parse::InputFile::new(p, t.as_bytes().to_vec()));
        }
        input.vzdump_confs.push(("a".into(), pvelint_parse::InputFile::new("vzdump.conf", b"storage: b1\n".to_vec())));
        let t = pvelint_parse::load(input);
        let g = build(&Context::new(&t));
        assert_eq!(edge(&g, "vzdump-conf:a", "storage:b1")[0].kind, EdgeKind::Target);
        // j1 and j2 write to b1 on node a (its vzdump.conf) and to `local` on node b.
        for j in ["job:j1", "job:j2"] {
            assert!(edge(&g, j, "storage:b1").is_empty(), "{j}");
            assert_eq!(edge(&g, j, "storage:local")[0].label, "backups (default)");
        }
        assert_eq!(edge(&g, "job:j3", "storage:b1")[0].label, "backups");
    }

    #[test]
    fn a_focused_pool_job_reaches_the_pool_members() {
        let t = tree(&[
            ("storage.cfg", STORAGE),
            ("corosync.conf", COROSYNC),
            ("nodes/a/lxc/100.conf", "rootfs: local:100/vm-100-disk-0.raw\n"),
            ("nodes/b/lxc/200.conf", "rootfs: local:200/vm-200-disk-0.raw\n"),
            ("user.cfg", "pool:p1:team:100::\n"),
            ("jobs.cfg", "vzdump: j1\n\tpool p1\n\tstorage local\n"),
        ]);
        let ctx = Context::new(&t);
        let g = build(&ctx);
        assert_eq!(edge(&g, "job:j1", "pool:p1")[0].kind, EdgeKind::Selects);
        assert_eq!(edge(&g, "pool:p1", "guest:100")[0].kind, EdgeKind::Member);
        let f = g.focus(&ctx, &[g.find("job:j1").unwrap()]);
        assert_eq!(edge(&f, "job:j1", "guest:100")[0].label, "pool");
        assert!(f.find("guest:200").is_none());
        // Focused on the guest, the job comes through the pool.
        let f = g.focus(&ctx, &[g.find("guest:100").unwrap()]);
        assert!(f.find("job:j1").is_some() && f.find("pool:p1").is_some());
    }

    fn pvelint_rules_lint(t: &Tree) -> Vec<Diagnostic> {
        crate::pipeline::lint(t, &|_| true)
    }
}
