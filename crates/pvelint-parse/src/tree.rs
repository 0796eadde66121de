//! The whole cluster tree: every file read, every model, the syntax diagnostics.
//!
//! [`load`] takes file contents that the caller (the CLI) has read; this crate never
//! touches the file system.

use crate::diag::Diagnostic;
use crate::source::{Origin, SourceFile};
use crate::span::{FileId, Span};
use crate::{
    ceph_conf, corosync, cpu_models, cron, datacenter, facts, firewall, guest, ha, jobs, mapping, notifications,
    replication, sdn, storage, syntax, user, vzdump_conf,
};
use std::collections::{BTreeMap, BTreeSet};

/// The Proxmox VE major version assumed when the configuration names none.
pub const DEFAULT_PVE_VERSION: u8 = 9;

/// Files larger than this are refused by pmxcfs (and by pvelint).
pub const MAX_FILE_SIZE: usize = 1024 * 1024;

/// What a path inside `/etc/pve` holds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    Storage,
    Jobs,
    VzdumpCron,
    Corosync,
    Datacenter,
    Replication,
    HaResources,
    HaGroups,
    HaRules,
    User,
    Notifications,
    CpuModels,
    CephConf,
    /// `mapping/pci.cfg`, `mapping/usb.cfg`, `mapping/directory.cfg`.
    Mapping(mapping::MappingKind),
    /// `sdn/zones.cfg`, `vnets.cfg`, `subnets.cfg`, `controllers.cfg`, `ipams.cfg`, `dns.cfg`.
    Sdn(sdn::SdnKind),
    /// `sdn/.running-config`.
    SdnRunning,
    /// `firewall/cluster.fw`, `nodes/<node>/host.fw`, `firewall/<vmid>.fw`.
    Firewall(firewall::FwScope),
    Guest {
        node: String,
        kind: guest::GuestKind,
        vmid: u32,
    },
    /// A guest config of the local node reached through a top-level directory: `lxc/`,
    /// `qemu-server/` (links into `nodes/<this node>/` that a copy turned into directories)
    /// or `local/lxc/`, `local/qemu-server/`. Its node is resolved by [`load`].
    LocalGuest {
        kind: guest::GuestKind,
        vmid: u32,
    },
}

/// The node that guests of top-level directories are shown on when the local node is
/// unknown (no `local` link, `.members`, one-node corosync.conf, single `nodes/`
/// directory or `--node`). Not a valid node name, so it never matches a storage's
/// `nodes` or a cluster node: node-dependent rules skip it.
pub const PLACEHOLDER_NODE: &str = "<local>";

/// Classifies a path relative to the tree root (`/` separators). `None` for files
/// pvelint does not read. Never classifies anything under `priv/`.
pub fn classify(rel: &str) -> Option<FileKind> {
    let parts: Vec<&str> = rel.split('/').collect();
    if parts.contains(&"priv") {
        return None;
    }
    Some(match parts.as_slice() {
        ["storage.cfg"] => FileKind::Storage,
        ["jobs.cfg"] => FileKind::Jobs,
        ["vzdump.cron"] => FileKind::VzdumpCron,
        ["corosync.conf"] => FileKind::Corosync,
        ["datacenter.cfg"] => FileKind::Datacenter,
        ["replication.cfg"] => FileKind::Replication,
        ["user.cfg"] => FileKind::User,
        ["notifications.cfg"] => FileKind::Notifications,
        ["virtual-guest", "cpu-models.conf"] => FileKind::CpuModels,
        ["ceph.conf"] => FileKind::CephConf,
        ["ha", "resources.cfg"] => FileKind::HaResources,
        ["ha", "groups.cfg"] => FileKind::HaGroups,
        ["ha", "rules.cfg"] => FileKind::HaRules,
        ["mapping", "pci.cfg"] => FileKind::Mapping(mapping::MappingKind::Pci),
        ["mapping", "usb.cfg"] => FileKind::Mapping(mapping::MappingKind::Usb),
        ["mapping", "directory.cfg"] => FileKind::Mapping(mapping::MappingKind::Dir),
        ["sdn", "zones.cfg"] => FileKind::Sdn(sdn::SdnKind::Zones),
        ["sdn", "vnets.cfg"] => FileKind::Sdn(sdn::SdnKind::Vnets),
        ["sdn", "subnets.cfg"] => FileKind::Sdn(sdn::SdnKind::Subnets),
        ["sdn", "controllers.cfg"] => FileKind::Sdn(sdn::SdnKind::Controllers),
        ["sdn", "ipams.cfg"] => FileKind::Sdn(sdn::SdnKind::Ipams),
        ["sdn", "dns.cfg"] => FileKind::Sdn(sdn::SdnKind::Dns),
        ["sdn", ".running-config"] => FileKind::SdnRunning,
        ["firewall", "cluster.fw"] => FileKind::Firewall(firewall::FwScope::Cluster),
        ["firewall", file] => {
            let vmid = parse_vmid_file_name(&format!("{}.conf", file.strip_suffix(".fw")?))?;
            FileKind::Firewall(firewall::FwScope::Guest(vmid))
        }
        ["nodes", node, "host.fw"] => FileKind::Firewall(firewall::FwScope::Host(node.to_string())),
        ["nodes", node, dir, file] => {
            let kind = match *dir {
                "lxc" => guest::GuestKind::Lxc,
                "qemu-server" => guest::GuestKind::Qemu,
                _ => return None,
            };
            let vmid = parse_vmid_file_name(file)?;
            FileKind::Guest { node: node.to_string(), kind, vmid }
        }
        [dir, file] | ["local", dir, file] => {
            let kind = match *dir {
                "lxc" => guest::GuestKind::Lxc,
                "qemu-server" => guest::GuestKind::Qemu,
                _ => return None,
            };
            FileKind::LocalGuest { kind, vmid: parse_vmid_file_name(file)? }
        }
        _ => return None,
    })
}

/// `<digits not starting with 0>.conf` with a value below 2^32, as pmxcfs accepts it.
pub fn parse_vmid_file_name(name: &str) -> Option<u32> {
    let digits = name.strip_suffix(".conf")?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// One file handed to [`load`].
#[derive(Clone, Debug)]
pub struct InputFile {
    /// Path for display and classification: relative to the tree root for files of the
    /// tree, as given for attached files.
    pub path: String,
    pub bytes: Vec<u8>,
    /// The size on disk when the caller did not read the whole file (over [`MAX_FILE_SIZE`]).
    pub truncated_size: Option<u64>,
    /// Why the caller could not read the file (not a regular file, permission denied, …).
    pub error: Option<String>,
    /// A file attached from outside the tree (`--vzdump-conf`): outputs quote no more of
    /// it than the spans of its findings.
    pub outside_tree: bool,
}

impl InputFile {
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> Self {
        InputFile { path: path.into(), bytes, truncated_size: None, error: None, outside_tree: false }
    }
}

/// Everything the CLI found.
#[derive(Clone, Debug, Default)]
pub struct TreeInput {
    /// Files of `/etc/pve`, paths relative to its root.
    pub files: Vec<InputFile>,
    /// `/etc/vzdump.conf` of each node.
    pub vzdump_confs: Vec<(String, InputFile)>,
    /// `facts.json` of each node (`hosts/<node>/facts.json`, `--facts`): the node the
    /// file was attached to (its folder), or `None` when the file names its node itself.
    pub facts: Vec<(Option<String>, InputFile)>,
    /// The local node, from the `local` symlink, `.members` or the user (`--node`).
    pub local_node: Option<String>,
    /// Where `local_node` came from, for the summary (`the \`local\` link`, `--node`, …).
    pub local_node_source: Option<String>,
    /// Directories under `nodes/`.
    pub node_dirs: Vec<String>,
    /// Problems the caller met while reading, already diagnosed.
    pub diagnostics: Vec<Diagnostic>,
    /// The Proxmox VE major version (default [`DEFAULT_PVE_VERSION`]).
    pub pve_version: Option<u8>,
    /// Files under `priv/` that hold key material, by path relative to the tree root; the
    /// caller lists them by name only (never opens them).
    pub secret_files: Vec<String>,
    /// Whether the tree lies inside a git work tree (the CLI looks for a `.git` in it or
    /// an ancestor; tests set it), like `local_node` an input to the rules (C103).
    pub in_git_work_tree: bool,
    /// Prepended to the path of every file of `files` for display (`pve/` when the tree
    /// was found as `<PATH>/pve`); classification uses the path without it.
    pub prefix: String,
}

/// A guest config and where it lives.
#[derive(Clone, Debug)]
pub struct Guest {
    pub vmid: u32,
    pub kind: guest::GuestKind,
    /// The node whose directory holds the config.
    pub node: String,
    pub file: FileId,
    /// Shared: a copy of the tree (what-if) shares every guest's config and volumes.
    pub config: std::sync::Arc<guest::GuestConfig>,
    /// `config.volumes()`, computed once while parsing (on the parser threads), for the
    /// rules to borrow.
    pub volumes: std::sync::Arc<[guest::VolumeRef]>,
}

impl Guest {
    /// `CT 106` / `VM 101`.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind.short(), self.vmid)
    }
}

/// The parsed cluster.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub files: Vec<SourceFile>,
    /// Syntax diagnostics of every file.
    pub diagnostics: Vec<Diagnostic>,
    /// Always present: without storage.cfg it holds only the built-in `local`.
    pub storage: storage::StorageConfig,
    pub jobs: Option<jobs::JobsConfig>,
    pub vzdump_cron: Option<cron::VzdumpCron>,
    /// Node name → that node's `/etc/vzdump.conf`.
    pub vzdump_confs: BTreeMap<String, vzdump_conf::VzdumpConf>,
    /// Node name → that node's facts (`facts.json`), for the nodes that have them.
    pub facts: BTreeMap<String, facts::NodeFacts>,
    /// Sorted by VMID, then node, then kind.
    pub guests: Vec<Guest>,
    pub corosync: Option<corosync::Corosync>,
    pub datacenter: Option<datacenter::Datacenter>,
    pub replication: Option<replication::ReplicationConfig>,
    pub ha: ha::HaConfig,
    pub user: Option<user::UserConfig>,
    /// `notifications.cfg` (endpoints and matchers; the private part in `priv/` is never read).
    pub notifications: Option<notifications::Notifications>,
    /// `virtual-guest/cpu-models.conf`: custom CPU models (`cpu: custom-<name>`).
    pub cpu_models: Option<cpu_models::CpuModels>,
    /// `ceph.conf` of a Ceph cluster Proxmox manages (pveceph).
    pub ceph_conf: Option<ceph_conf::CephConf>,
    /// `mapping/*.cfg`: PCI, USB and directory resource mappings.
    pub mappings: mapping::Mappings,
    /// `sdn/*.cfg` and `sdn/.running-config`.
    pub sdn: sdn::Sdn,
    /// `firewall/cluster.fw`.
    pub firewall_cluster: Option<firewall::FwFile>,
    /// `nodes/<node>/host.fw` by node.
    pub firewall_hosts: BTreeMap<String, firewall::FwFile>,
    /// `firewall/<vmid>.fw` by VMID.
    pub firewall_guests: BTreeMap<u32, firewall::FwFile>,
    pub local_node: Option<String>,
    /// Where `local_node` came from (`the \`local\` link`, `.members`, `corosync.conf
    /// (one node)`, `the only nodes/ directory`, `--node`, …); `None` when it is unknown.
    pub local_node_source: Option<String>,
    /// The top-level guest directories read as the local node's (`lxc/`, `qemu-server/`,
    /// `local/lxc/`, …), in path order.
    pub local_guest_dirs: Vec<String>,
    /// Top-level guest configs that are byte-for-byte copies of a config under
    /// `nodes/<local node>/` (or of another top-level copy): read, counted as one guest.
    pub local_guest_copies: usize,
    /// The display prefix of the tree's files (`""`, `pve/`, `etc/pve/`): which layout
    /// was found.
    pub layout_prefix: String,
    pub node_dirs: BTreeSet<String>,
    /// The Proxmox VE major version the cluster runs (from the configuration; default 9),
    /// for rules about removed or deprecated options.
    pub pve_version: u8,
    /// Whether the tree lies inside a git work tree ([`TreeInput::in_git_work_tree`]).
    pub in_git_work_tree: bool,
}

impl Tree {
    /// The files known by name only (key material under `priv/`, never opened).
    pub fn name_only_files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter().filter(|f| f.origin == Origin::NameOnly)
    }

    /// The files whose text was read (the tree's and attached ones).
    pub fn read_files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter().filter(|f| f.origin != Origin::NameOnly)
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The nodes of the cluster: corosync.conf's node list, else the local node (a
    /// standalone node). `None` when neither is known: node names cannot be checked.
    pub fn cluster_nodes(&self) -> Option<BTreeSet<String>> {
        if let Some(c) = &self.corosync {
            let nodes = c.node_names();
            if !nodes.is_empty() {
                return Some(nodes);
            }
        }
        self.local_node.as_ref().map(|n| BTreeSet::from([n.clone()]))
    }

    /// Which layout was recognised, for the summary: `a copy of /etc/pve` (or of `/etc`,
    /// or a filesystem root), with the top-level guest directories read.
    pub fn layout_description(&self) -> String {
        let mut s = match self.layout_prefix.as_str() {
            "" => "a copy of /etc/pve".to_string(),
            "pve/" if self.files.iter().any(|f| f.path.starts_with("hosts/")) => {
                "a pvelint collect repository (pve/ and hosts/<node>/)".to_string()
            }
            "pve/" => "a copy of /etc (pve/ and vzdump.conf)".to_string(),
            "etc/pve/" => "a filesystem root (etc/pve)".to_string(),
            p => format!("a copy of /etc/pve under {p}"),
        };
        if !self.local_guest_dirs.is_empty() {
            s.push_str(&format!(
                " with top-level {} read as the local node's guests",
                self.local_guest_dirs.join(", ")
            ));
            if self.local_guest_copies > 0 {
                s.push_str(&format!(
                    " ({} repeating nodes/ byte for byte counted once)",
                    crate::text::count(self.local_guest_copies, "config")
                ));
            }
        }
        s
    }

    /// The node assumed as the local node and why, for the summary; `None` when no
    /// top-level guests or vzdump.conf needed it and the tree does not say.
    pub fn node_description(&self) -> Option<String> {
        match (&self.local_node, &self.local_node_source) {
            (Some(n), Some(src)) => Some(format!("'{n}' (from {src})")),
            (Some(n), None) => Some(format!("'{n}'")),
            (None, _) if self.node_is_placeholder() => Some(format!(
                "unknown: top-level guests are shown on '{PLACEHOLDER_NODE}' and node-dependent checks skip them; name it with --node NAME or `node:` in pvelint.yaml"
            )),
            (None, _) => None,
        }
    }

    /// Whether guests of top-level directories sit on [`PLACEHOLDER_NODE`] (the local
    /// node is unknown).
    pub fn node_is_placeholder(&self) -> bool {
        self.guests.iter().any(|g| g.node == PLACEHOLDER_NODE)
    }
}

/// The display name of a top-level guest directory of `path` (`lxc/`, `local/lxc/`).
fn local_guest_dir(path: &str) -> String {
    path.rsplit_once('/').map_or(String::new(), |(d, _)| format!("{d}/"))
}

/// Resolves the local node for top-level guest configs when the caller did not know it:
/// a one-node corosync.conf, the only directory under `nodes/`, or the one node whose
/// configs the top-level copies match byte for byte. `None`: unknown.
fn resolve_local_node(tree: &Tree, parsed: &[Vec<Parsed>]) -> Option<(String, String)> {
    for (_, _, model, _) in parsed.iter().flatten() {
        if let Model::Corosync(c) = model {
            let names = c.node_names();
            if names.len() == 1 {
                let name = names.into_iter().next()?;
                return Some((name, "corosync.conf (a one-node cluster)".into()));
            }
        }
    }
    if tree.node_dirs.len() == 1 {
        let name = tree.node_dirs.iter().next()?.clone();
        return Some((name, "the only directory under nodes/".into()));
    }
    // The node whose configs the top-level copies match.
    let mut by_key: std::collections::HashMap<(guest::GuestKind, u32), Vec<(&str, &str)>> = Default::default();
    for (file, kind, _, _) in parsed.iter().flatten() {
        if let FileKind::Guest { node, kind, vmid } = kind {
            by_key.entry((*kind, *vmid)).or_default().push((node.as_str(), file.text.as_str()));
        }
    }
    let mut matched: BTreeSet<&str> = BTreeSet::new();
    for (file, kind, _, _) in parsed.iter().flatten() {
        if let FileKind::LocalGuest { kind, vmid } = kind {
            for (node, text) in by_key.get(&(*kind, *vmid)).into_iter().flatten() {
                if *text == file.text.as_str() {
                    matched.insert(node);
                }
            }
        }
    }
    match matched.len() {
        1 => {
            let name = matched.into_iter().next()?.to_string();
            Some((name.clone(), format!("the top-level copies match nodes/{name}/")))
        }
        _ => None,
    }
}

/// Takes the bytes out of `input` (no copy of the file's text).
fn to_text(input: &mut InputFile, display: String, id: FileId, diags: &mut Vec<Diagnostic>) -> SourceFile {
    if let Some(err) = &input.error {
        let f = SourceFile::new(id, display, String::new());
        diags.push(
            syntax::UNREADABLE_FILE.at(f.span(), format!("{} could not be read: {err}", f.path)).with_object("file"),
        );
        return f;
    }
    if let Some(size) = input.truncated_size {
        let f = SourceFile::new(id, display, String::new());
        diags.push(
            syntax::UNREADABLE_FILE
                .at(
                    f.span(),
                    format!("{} is {size} bytes, larger than the 1 MiB that pmxcfs accepts; it was not read", f.path),
                )
                .with_object("file"),
        );
        return f;
    }
    if input.bytes.contains(&0) {
        let f = SourceFile::new(id, display, String::new());
        diags.push(
            syntax::UNREADABLE_FILE
                .at(
                    f.span(),
                    format!("{} contains NUL bytes: it is not a text configuration file and was not parsed", f.path),
                )
                .with_object("file"),
        );
        return f;
    }
    match String::from_utf8(std::mem::take(&mut input.bytes)) {
        Ok(text) => SourceFile::new(id, display, text),
        Err(e) => {
            let bad = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let f = SourceFile::new(id, display, text);
            // The replacement character sits where the first invalid byte was.
            let end = f.text[bad..].chars().next().map_or(bad, |c| bad + c.len_utf8());
            diags.push(
                syntax::UNREADABLE_FILE
                    .at(
                        Span::new(id, bad, end),
                        "this file is not valid UTF-8; the bytes that are not were replaced before parsing",
                    )
                    .with_severity(crate::Severity::Warning)
                    .with_help("Proxmox writes UTF-8 (descriptions are percent-encoded); re-save the file as UTF-8")
                    .with_object("file"),
            );
            f
        }
    }
}

/// The model of one file, before it is folded into the [`Tree`]. Boxed: a tree has one
/// result per file, held until the fold, so each is a pointer.
enum Model {
    None,
    Jobs(Box<jobs::JobsConfig>),
    Cron(Box<cron::VzdumpCron>),
    Corosync(Box<corosync::Corosync>),
    Datacenter(Box<datacenter::Datacenter>),
    Replication(Box<replication::ReplicationConfig>),
    HaResources(Box<ha::HaResources>),
    HaGroups(Box<ha::HaGroups>),
    HaRules(Box<ha::HaRules>),
    User(Box<user::UserConfig>),
    Notifications(Box<notifications::Notifications>),
    CpuModels(Box<cpu_models::CpuModels>),
    CephConf(Box<ceph_conf::CephConf>),
    Mapping(Box<mapping::MappingConfig>),
    Sdn(Box<sdn::SdnFile>),
    SdnRunning(Box<sdn::RunningConfig>),
    Firewall(Box<firewall::FwFile>),
    Guest(Box<(std::sync::Arc<guest::GuestConfig>, std::sync::Arc<[guest::VolumeRef]>)>),
}

type Parsed = (SourceFile, FileKind, Model, Vec<Diagnostic>);

fn parse_one((id, kind, mut input): (FileId, FileKind, InputFile), prefix: &str) -> Parsed {
    let mut d = Vec::new();
    let display = format!("{prefix}{}", input.path);
    let file = to_text(&mut input, display, id, &mut d);
    let model = match &kind {
        FileKind::Storage => Model::None,
        FileKind::Jobs => Model::Jobs(Box::new(jobs::parse(&file, &mut d))),
        FileKind::VzdumpCron => Model::Cron(Box::new(cron::parse(&file, &mut d))),
        FileKind::Corosync => Model::Corosync(Box::new(corosync::parse(&file, &mut d))),
        FileKind::Datacenter => Model::Datacenter(Box::new(datacenter::parse(&file, &mut d))),
        FileKind::Replication => Model::Replication(Box::new(replication::parse(&file, &mut d))),
        FileKind::HaResources => Model::HaResources(Box::new(ha::parse_resources(&file, &mut d))),
        FileKind::HaGroups => Model::HaGroups(Box::new(ha::parse_groups(&file, &mut d))),
        FileKind::HaRules => Model::HaRules(Box::new(ha::parse_rules(&file, &mut d))),
        FileKind::User => Model::User(Box::new(user::parse(&file, &mut d))),
        FileKind::Notifications => Model::Notifications(Box::new(notifications::parse(&file, &mut d))),
        FileKind::CpuModels => Model::CpuModels(Box::new(cpu_models::parse(&file, &mut d))),
        FileKind::CephConf => Model::CephConf(Box::new(ceph_conf::parse(&file, &mut d))),
        FileKind::Mapping(kind) => Model::Mapping(Box::new(mapping::parse(&file, *kind, &mut d))),
        FileKind::Sdn(kind) => Model::Sdn(Box::new(sdn::parse(&file, *kind, &mut d))),
        FileKind::SdnRunning => Model::SdnRunning(Box::new(sdn::parse_running(&file, &mut d))),
        FileKind::Firewall(scope) => Model::Firewall(Box::new(firewall::parse(&file, scope.clone(), &mut d))),
        FileKind::Guest { kind, vmid, .. } | FileKind::LocalGuest { kind, vmid } => {
            // Shared pieces made here, on the parser thread that allocated them.
            let config = guest::parse(&file, *kind, *vmid, &mut d);
            let volumes = config.volumes().into();
            Model::Guest(Box::new((std::sync::Arc::new(config), volumes)))
        }
    };
    (file, kind, model, d)
}

/// Files are read into, parsed from and folded out of chunks of this many, so that the
/// per-file inputs and results of a large tree never all exist at once.
const CHUNK: usize = 128;

type Job = (FileId, FileKind, InputFile);

/// Parses every file, on up to two threads for large trees, and returns the results in
/// input order, chunk by chunk (each input chunk is freed once parsed).
fn parse_all(chunks: Vec<Vec<Job>>, prefix: &str) -> Vec<Vec<Parsed>> {
    let parse = |chunks: Vec<Vec<Job>>| -> Vec<Vec<Parsed>> {
        chunks.into_iter().map(|c| c.into_iter().map(|j| parse_one(j, prefix)).collect()).collect()
    };
    let files: usize = chunks.iter().map(Vec::len).sum();
    crate::par::on_two_threads(chunks, files, parse)
}

/// Parses everything. Never fails: problems become diagnostics.
pub fn load(input: TreeInput) -> Tree {
    let mut tree = Tree {
        diagnostics: input.diagnostics,
        local_node: input.local_node,
        in_git_work_tree: input.in_git_work_tree,
        local_node_source: input.local_node_source,
        layout_prefix: input.prefix.clone(),
        pve_version: input.pve_version.unwrap_or(DEFAULT_PVE_VERSION),
        ..Tree::default()
    };
    tree.node_dirs = input.node_dirs.into_iter().collect();
    let mut files = input.files;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    // Classify and number the files in path order, parse them (in parallel on large
    // trees: each file is independent), then fold the results in that same order, so the
    // model and its diagnostics do not depend on scheduling.
    let mut jobs: Vec<Vec<Job>> = Vec::new();
    let mut count = 0u32;
    for input_file in files {
        let Some(kind) = classify(&input_file.path) else { continue };
        if jobs.last().is_none_or(|c| c.len() == CHUNK) {
            jobs.push(Vec::with_capacity(CHUNK));
        }
        if let Some(chunk) = jobs.last_mut() {
            chunk.push((FileId(count), kind, input_file));
        }
        count += 1;
    }
    let prefix = input.prefix.clone();
    let parsed = parse_all(jobs, &prefix);
    // Sized once: these are the largest vectors of the model.
    let guests = parsed.iter().flatten().filter(|p| matches!(p.1, FileKind::Guest { .. })).count();
    tree.guests.reserve_exact(guests);
    tree.files.reserve_exact(count as usize + input.secret_files.len() + input.vzdump_confs.len() + input.facts.len());
    // Top-level guest configs belong to the local node; one that repeats a config of that
    // node (same bytes) is the same guest, not a second one.
    let has_local_guests = parsed.iter().flatten().any(|p| matches!(p.1, FileKind::LocalGuest { .. }));
    let local_node = if !has_local_guests {
        None
    } else if let Some(n) = tree.local_node.clone() {
        Some(n)
    } else if let Some((n, source)) = resolve_local_node(&tree, &parsed) {
        tree.local_node = Some(n.clone());
        tree.local_node_source = Some(source);
        Some(n)
    } else {
        None
    };
    let mut seen: std::collections::HashMap<(guest::GuestKind, u32), Vec<std::sync::Arc<String>>> = Default::default();
    if let Some(node) = &local_node {
        for (file, kind, _, _) in parsed.iter().flatten() {
            if let FileKind::Guest { node: n, kind, vmid } = kind {
                if n == node {
                    seen.entry((*kind, *vmid)).or_default().push(file.text.clone());
                }
            }
        }
    }
    let mut storage_file = None;
    for (file, kind, model, mut diags) in parsed.into_iter().flatten() {
        let id = file.id;
        let kind = match kind {
            FileKind::LocalGuest { kind, vmid } => {
                let dir = local_guest_dir(&file.path[input.prefix.len().min(file.path.len())..]);
                if !tree.local_guest_dirs.contains(&dir) {
                    tree.local_guest_dirs.push(dir);
                }
                let copies = seen.entry((kind, vmid)).or_default();
                if copies.contains(&file.text) {
                    // Counted (the file was read) but neither a second guest nor a
                    // second set of syntax diagnostics.
                    tree.local_guest_copies += 1;
                    tree.files.push(file);
                    continue;
                }
                copies.push(file.text.clone());
                let node = local_node.clone().unwrap_or_else(|| PLACEHOLDER_NODE.to_string());
                FileKind::Guest { node, kind, vmid }
            }
            k => k,
        };
        tree.diagnostics.append(&mut diags);
        match (kind, model) {
            (FileKind::Storage, _) => storage_file = Some(id),
            (_, Model::Jobs(m)) => tree.jobs = Some(*m),
            (_, Model::Cron(m)) => tree.vzdump_cron = Some(*m),
            (_, Model::Corosync(m)) => tree.corosync = Some(*m),
            (_, Model::Datacenter(m)) => tree.datacenter = Some(*m),
            (_, Model::Replication(m)) => tree.replication = Some(*m),
            (_, Model::HaResources(m)) => tree.ha.resources = Some(*m),
            (_, Model::HaGroups(m)) => tree.ha.groups = Some(*m),
            (_, Model::HaRules(m)) => tree.ha.rules = Some(*m),
            (_, Model::User(m)) => tree.user = Some(*m),
            (_, Model::Notifications(m)) => tree.notifications = Some(*m),
            (_, Model::CpuModels(m)) => tree.cpu_models = Some(*m),
            (_, Model::CephConf(m)) => tree.ceph_conf = Some(*m),
            (_, Model::Mapping(m)) => match m.kind {
                mapping::MappingKind::Pci => tree.mappings.pci = Some(*m),
                mapping::MappingKind::Usb => tree.mappings.usb = Some(*m),
                mapping::MappingKind::Dir => tree.mappings.dir = Some(*m),
            },
            (_, Model::Sdn(m)) => tree.sdn.set(*m),
            (_, Model::SdnRunning(m)) => tree.sdn.running = Some(*m),
            (_, Model::Firewall(m)) => match m.scope.clone() {
                firewall::FwScope::Cluster => tree.firewall_cluster = Some(*m),
                firewall::FwScope::Host(node) => {
                    tree.firewall_hosts.insert(node, *m);
                }
                firewall::FwScope::Guest(vmid) => {
                    tree.firewall_guests.insert(vmid, *m);
                }
            },
            (FileKind::Guest { node, kind, vmid }, Model::Guest(parsed)) => {
                let (config, volumes) = *parsed;
                if node != PLACEHOLDER_NODE && !tree.node_dirs.contains(&node) {
                    tree.node_dirs.insert(node.clone());
                }
                tree.guests.push(Guest { vmid, kind, node, file: id, config, volumes });
            }
            _ => {}
        }
        tree.files.push(file);
    }
    tree.storage = match storage_file {
        Some(id) => storage::parse(Some(&tree.files[id.0 as usize]), &mut tree.diagnostics),
        None => storage::parse(None, &mut tree.diagnostics),
    };
    let mut secrets = input.secret_files;
    secrets.sort();
    secrets.dedup();
    for path in secrets {
        let id = FileId(tree.files.len() as u32);
        let mut file = SourceFile::new(id, format!("{}{path}", input.prefix), String::new());
        file.origin = Origin::NameOnly;
        tree.files.push(file);
    }
    let mut confs = input.vzdump_confs;
    confs.sort_by(|a, b| a.0.cmp(&b.0));
    for (node, mut input_file) in confs {
        let id = FileId(tree.files.len() as u32);
        let display = input_file.path.clone();
        let mut file = to_text(&mut input_file, display, id, &mut tree.diagnostics);
        if input_file.outside_tree {
            file.origin = Origin::Attached;
        }
        let conf = vzdump_conf::parse(&file, &mut tree.diagnostics);
        tree.vzdump_confs.insert(node, conf);
        tree.files.push(file);
    }
    let mut facts_files = input.facts;
    facts_files.sort_by(|a, b| (&a.0, &a.1.path).cmp(&(&b.0, &b.1.path)));
    for (node, mut input_file) in facts_files {
        let id = FileId(tree.files.len() as u32);
        let display = input_file.path.clone();
        let file = to_text(&mut input_file, display, id, &mut tree.diagnostics);
        if input_file.error.is_none() && input_file.truncated_size.is_none() {
            if let Some(nf) = facts::load(&file, node.as_deref(), &mut tree.diagnostics) {
                if let Some(old) = tree.facts.get(&nf.facts.node) {
                    tree.diagnostics.push(
                        syntax::INVALID_FACTS
                            .at(
                                file.span(),
                                format!("a second facts file for node '{}'; this one is ignored", nf.facts.node),
                            )
                            .with_label(tree.files[old.file.0 as usize].span(), "the facts used for it")
                            .with_object(format!("node:{}", nf.facts.node)),
                    );
                } else {
                    tree.facts.insert(nf.facts.node.clone(), nf);
                }
            }
        }
        tree.files.push(file);
    }
    tree.guests.sort_by(|a, b| (a.vmid, &a.node, a.kind).cmp(&(b.vmid, &b.node, b.kind)));
    tree
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Key material is known by name only (never read, not counted as checked);
    /// attached files are marked so that outputs quote only their spans.
    #[test]
    fn files_carry_their_origin() {
        let mut attached = InputFile::new("/srv/pve1-vzdump.conf", b"tmpdir: /tmp\n".to_vec());
        attached.outside_tree = true;
        let tree = load(TreeInput {
            files: vec![InputFile::new("storage.cfg", b"dir: local\n\tpath /var/lib/vz\n".to_vec())],
            secret_files: vec!["priv/authkey.key".into()],
            vzdump_confs: vec![("pve1".into(), attached)],
            ..TreeInput::default()
        });
        let origin = |path: &str| tree.files.iter().find(|f| f.path == path).map(|f| f.origin);
        assert_eq!(origin("storage.cfg"), Some(Origin::Tree));
        assert_eq!(origin("priv/authkey.key"), Some(Origin::NameOnly));
        assert_eq!(origin("/srv/pve1-vzdump.conf"), Some(Origin::Attached));
        let names: Vec<&str> = tree.name_only_files().map(|f| f.path.as_str()).collect();
        assert_eq!(names, ["priv/authkey.key"]);
        assert_eq!(tree.read_files().count(), 2);
        assert!(tree.name_only_files().all(|f| f.text.is_empty()));
    }

    #[test]
    fn classifies_paths() {
        assert_eq!(classify("storage.cfg"), Some(FileKind::Storage));
        assert_eq!(classify("ha/rules.cfg"), Some(FileKind::HaRules));
        assert_eq!(
            classify("nodes/pve/lxc/106.conf"),
            Some(FileKind::Guest { node: "pve".into(), kind: guest::GuestKind::Lxc, vmid: 106 })
        );
        assert_eq!(classify("nodes/pve/lxc/106.conf.bak"), None);
        assert_eq!(classify("nodes/pve/lxc/0106.conf"), None);
        assert_eq!(classify("nodes/pve/qemu-server/99999999999.conf"), None);
        assert_eq!(classify("priv/storage.cfg"), None);
        assert_eq!(classify("nodes/pve/priv/x.conf"), None);
        assert_eq!(classify("lxc/106.conf"), Some(FileKind::LocalGuest { kind: guest::GuestKind::Lxc, vmid: 106 }));
        assert_eq!(
            classify("local/qemu-server/101.conf"),
            Some(FileKind::LocalGuest { kind: guest::GuestKind::Qemu, vmid: 101 })
        );
        assert_eq!(classify("openvz/106.conf"), None);
        assert_eq!(classify("mapping/pci.cfg"), Some(FileKind::Mapping(mapping::MappingKind::Pci)));
        assert_eq!(classify("mapping/directory.cfg"), Some(FileKind::Mapping(mapping::MappingKind::Dir)));
        assert_eq!(classify("mapping/other.cfg"), None);
        assert_eq!(classify("sdn/vnets.cfg"), Some(FileKind::Sdn(sdn::SdnKind::Vnets)));
        assert_eq!(classify("sdn/.running-config"), Some(FileKind::SdnRunning));
        assert_eq!(classify("firewall/cluster.fw"), Some(FileKind::Firewall(firewall::FwScope::Cluster)));
        assert_eq!(classify("firewall/100.fw"), Some(FileKind::Firewall(firewall::FwScope::Guest(100))));
        assert_eq!(classify("firewall/0100.fw"), None);
        assert_eq!(classify("nodes/pve1/host.fw"), Some(FileKind::Firewall(firewall::FwScope::Host("pve1".into()))));
        assert_eq!(classify("local/lxc/x.conf"), None);
    }
}
