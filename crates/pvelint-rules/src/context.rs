//! Indexes over the model that rules share, built once per run, and the questions
//! several rules ask ("is this storage usable on that node?", "which guests does this
//! job back up?", "which storage owns this path?").

use pvelint_parse::guest::{Backup, GuestKind, VolumeRef, VolumeTarget};
use pvelint_parse::storage::{Storage, StorageType};
use pvelint_parse::vzdump_opts::VzdumpOptions;
use pvelint_parse::{Guest, Span, Spanned, Tree};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// A set of node names, sorted by name and shared: the list of every node a job runs on
/// is built once and handed to every such job (a clone is a reference count), so that
/// jobs × nodes never costs jobs × nodes.
pub type NodeSet = Arc<[String]>;

/// The nodes of a set where something fails: how many, and the first few (in name order)
/// that messages show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SomeNodes {
    pub count: usize,
    pub first: Vec<String>,
}

impl SomeNodes {
    /// Every node of a set.
    pub fn all(nodes: &[String]) -> Self {
        SomeNodes { count: nodes.len(), first: nodes.iter().take(pvelint_parse::diag::MAX_RELATED).cloned().collect() }
    }

    /// `node 'a'` / `nodes 'a', 'b' and 3 more`, for messages.
    pub fn quote(&self) -> String {
        let shown = self.first.iter().map(|n| format!("'{n}'"));
        format!(
            "node{} {}",
            pvelint_parse::text::plural_s(self.count),
            pvelint_parse::diag::bounded_list_of(shown, self.count, ", ", ", ")
        )
    }
}

/// Where an enabled backup job writes on some of its nodes (J101–J103): the job's own
/// `storage`, the implicit `local`, or a node's vzdump.conf `storage`. A node's default
/// is one target for every job that relies on it (one finding at the line to fix, with
/// the jobs named), so jobs × nodes is never walked.
pub struct JobTarget<'a> {
    /// The storage ID.
    pub storage: &'a str,
    /// Where it is set: the job's `storage`, a vzdump.conf's `storage`; `None` for the
    /// implicit `local`.
    pub set_at: Option<Span>,
    /// The nodes that write there (sorted).
    pub nodes: NodeSet,
    /// The jobs that write there, in jobs.cfg order: the first few of [`JobTarget::job_count`].
    pub jobs: Vec<&'a pvelint_parse::jobs::Job>,
    pub job_count: usize,
    /// The job, or `node:<name>` for a node's default.
    pub object: String,
}

impl JobTarget<'_> {
    /// `the job fails` / `each of them fails`, for messages.
    pub fn fails(&self) -> &'static str {
        if self.job_count == 1 {
            "the job fails"
        } else {
            "each of them fails"
        }
    }

    /// `backup job 'a' writes` / `backup jobs 'a' and 'b' write`, for messages.
    pub fn subject(&self, verb_one: &str, verb_many: &str) -> String {
        let shown = self.jobs.iter().map(|j| format!("'{}'", j.id.value));
        if self.job_count == 1 {
            format!("backup job {} {verb_one}", pvelint_parse::diag::bounded_list_of(shown, 1, ", ", " and "))
        } else {
            format!(
                "backup jobs {} {verb_many}",
                pvelint_parse::diag::bounded_list_of(shown, self.job_count, ", ", " and ")
            )
        }
    }
}

/// What a job that sets neither `storage` nor `dumpdir` writes to on a node: the node's
/// vzdump.conf decides.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NodeDefault {
    /// vzdump.conf sets `storage`.
    Storage,
    /// vzdump.conf sets `dumpdir` (no storage).
    Dumpdir,
    /// Neither: the implicit `local`.
    Local,
}

/// A volume reference together with the guest that holds it and, for a
/// `storage:volname` volume, the storage its ID names (made on the fly by
/// [`Context::volumes`], not stored).
#[derive(Clone, Copy)]
pub struct GuestVolume<'a> {
    pub guest: &'a Guest,
    pub vol: &'a VolumeRef,
    /// The effective definition of the volume's storage; `None` for a path or device, and
    /// for a storage ID that storage.cfg does not define.
    pub storage: Option<&'a Storage>,
}

impl<'a> GuestVolume<'a> {
    /// The text of a span of this guest's config (the model keeps spans, not copies).
    pub fn str(&self, span: Span) -> &'a str {
        self.guest.config.str(span)
    }

    /// The key as Proxmox stores it (`mp0`, `scsi1`, `ide2` for QEMU's `cdrom:`).
    pub fn key(&self) -> &'a str {
        self.guest.config.key(self.guest.config.entry_of(self.vol))
    }

    /// The mount path of a container volume (`mp=`, `/` for `rootfs`).
    pub fn mount_path(&self) -> Option<Spanned<&'a str>> {
        self.guest.config.mount_path(self.vol)
    }

    /// The volume part of the value (`usb-3tb:subvol-113-disk-0`, `/mnt/data`).
    pub fn value(&self) -> &'a str {
        self.str(self.vol.value)
    }

    /// A `key=value` option of the value (`media`, `backup`, …).
    pub fn prop(&self, key: &str) -> Option<Spanned<&'a str>> {
        self.guest.config.prop(self.vol, key)
    }

    /// A boolean option of the value, as Proxmox reads it.
    pub fn flag(&self, key: &str) -> Option<bool> {
        self.guest.config.flag(self.vol, key)
    }

    /// A CD-ROM drive (`media=cdrom`).
    pub fn is_cdrom(&self) -> bool {
        self.prop("media").is_some_and(|m| m.value == "cdrom")
    }

    /// In the main section (not a snapshot, pending or special section).
    pub fn in_main(&self) -> bool {
        self.vol.section == 0
    }

    /// Part of the guest's backups (and in its current config).
    pub fn backed_up(&self) -> bool {
        self.in_main() && self.vol.backup == Backup::Included
    }

    /// A `storage:volname` volume (not a path, device, `none` or `cdrom`).
    pub fn is_volume(&self) -> bool {
        matches!(self.vol.target, VolumeTarget::Volume(_))
    }

    /// The storage ID of a `storage:volname` volume.
    pub fn storage_id(&self) -> Option<Spanned<&'a str>> {
        match self.vol.target {
            VolumeTarget::Volume(v) => Some(v.storage.spanned(self.guest.config.text())),
            _ => None,
        }
    }

    /// `CT 106 mp0`, `VM 101 scsi0 (snapshot 'pre-upgrade')`.
    pub fn describe(&self) -> String {
        let mut s = format!("{} {}", self.guest.label(), self.key());
        if let Some(sec) = self.guest.config.sections.get(self.vol.section as usize) {
            if let Some(name) = &sec.name {
                if self.vol.section != 0 {
                    s.push_str(&format!(" (section [{}])", name.value));
                }
            }
        }
        s
    }
}

/// Whether a storage can be used on a node, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageStatus {
    /// No such storage in storage.cfg.
    Undefined,
    /// Defined, but the section failed Proxmox's checks: the ID maps to nothing.
    Unusable,
    /// `disable` is set (span of the line).
    Disabled(Span),
    /// `nodes` does not list the node (span of the list, possibly defaulted).
    NotOnNode(Span),
    Available,
}

/// Who owns a filesystem path.
pub enum PathOwner<'a> {
    /// A defined storage whose directory (`path`, mount point) contains the path.
    Storage(&'a Storage, String),
    /// A directory of a storage that is not defined (any more): `/mnt/pve/<id>/…` of an
    /// unknown ID, or the directory of a removed storage. (storage ID, directory)
    GhostMount(String, String),
}

/// What every rule sees.
pub struct Context<'a> {
    pub tree: &'a Tree,
    /// What a what-if change moved or removed ([`crate::scenario::NONE`] for a check).
    pub scenario: &'a crate::scenario::Scenario,
    /// The cluster's nodes (corosync.conf, else the local node); `None` when unknown.
    pub nodes: Option<BTreeSet<String>>,
    /// Storage ID → its effective definition (the first one with that ID, as an index in
    /// `tree.storage.storages`), so that lookups per volume do not scan storage.cfg.
    storage_index: HashMap<&'a str, u32, IdHash>,
    /// Position in [`Context::volumes`] of each guest's first volume.
    vol_start: Vec<u32>,
    /// Per volume in [`Context::volumes`] order: its storage (an index in
    /// `tree.storage.storages`, [`NO_STORAGE`] for none), resolved once here so that the
    /// per-volume rules do not each read the ID from the text and hash it.
    vol_storage: Vec<u32>,
    /// When `tree.guests` is sorted by VMID (as `load` leaves it): the VMID of each guest,
    /// in that order, so that VMID lookups bisect a compact array instead of scanning.
    /// `None` when the guests are not sorted (then lookups scan).
    vmids: Option<Vec<u32>>,
    /// Node → indexes in `tree.guests` of its guests (ascending), built on first use.
    by_node: std::cell::OnceCell<HashMap<&'a str, Vec<usize>>>,
    /// Pool name → index in user.cfg's pools, and the same by lower-case name (the
    /// first), built on first use.
    pools: std::cell::OnceCell<PoolIndex<'a>>,
    /// Storage directory → its storage (the first with that directory), and the same for
    /// removed storages (index in `scenario.removed_storages`), built on first use.
    #[allow(clippy::type_complexity)]
    dir_index: std::cell::OnceCell<(HashMap<String, &'a Storage>, HashMap<String, usize>)>,
    /// [`Context::repeated_volumes`], built on first use.
    repeated: std::cell::OnceCell<Vec<(&'a str, Vec<GuestVolume<'a>>)>>,
    /// [`Context::all_job_nodes`], built on first use.
    all_nodes: std::cell::OnceCell<NodeSet>,
    /// The nodes of [`Context::all_job_nodes`] whose default backup target is `local`.
    local_default: std::cell::OnceCell<NodeSet>,
    /// [`Context::job_targets`], built on first use.
    targets: std::cell::OnceCell<Vec<JobTarget<'a>>>,
    /// Per `(pool, node)` selection of pool jobs: the nodes of its guests where such a
    /// job runs, and whether it holds a VM (many jobs of one large pool walk it once).
    #[allow(clippy::type_complexity)]
    pool_jobs: std::cell::RefCell<HashMap<(String, Option<String>), (NodeSet, bool)>>,
    /// The number of VMs in the tree and on each node, counted on first use.
    vm_count: std::cell::OnceCell<(usize, HashMap<&'a str, usize>)>,
    /// [`Context::mapping_refs`], built on first use.
    pub(crate) mapping_refs: std::cell::OnceCell<Vec<crate::mappings::MappingRef<'a>>>,
    /// (kind, ID) → mapping, built on first use ([`Context::mapping`]).
    pub(crate) mapping_index: std::cell::OnceCell<crate::mappings::MappingIndex<'a>>,
    /// [`Context::sdn_index`], built on first use.
    pub(crate) sdn_index: std::cell::OnceCell<crate::sdn::SdnIndex<'a>>,
    /// [`Context::vnet_nics`], built on first use.
    pub(crate) vnet_nics: std::cell::OnceCell<Vec<crate::sdn::VnetNic<'a>>>,
}

/// Pool name → index in user.cfg's pools, lower-case name → the first such pool, and
/// VMID → the name of the pool that holds it.
type PoolIndex<'a> = (HashMap<&'a str, usize>, HashMap<String, usize>, HashMap<u32, &'a String>);

/// A fast hash for short IDs from the configs (storage IDs are looked up once per volume
/// by several rules): FNV-1a over the bytes. No protection against crafted collisions
/// is needed: the keys are the tree's own storage IDs, at most a few hundred.
#[derive(Clone, Copy, Default)]
struct IdHash;

impl std::hash::BuildHasher for IdHash {
    type Hasher = Fnv1a;
    fn build_hasher(&self) -> Fnv1a {
        Fnv1a(pvelint_parse::text::FNV1A_START)
    }
}

struct Fnv1a(u64);

impl std::hash::Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = pvelint_parse::text::fnv1a(bytes, self.0);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// [`Context::vol_storage`] of a volume that names no defined storage.
const NO_STORAGE: u32 = u32::MAX;

/// Storage IDs that come with a Proxmox install and live on the system disk.
pub const SYSTEM_STORAGES: &[&str] = &["local", "local-lvm", "local-zfs", "local-btrfs"];

impl<'a> Context<'a> {
    /// The context of a plain check.
    pub fn new(tree: &'a Tree) -> Self {
        Self::with_scenario(tree, &crate::scenario::NONE)
    }

    /// The context of a tree changed by what-if, with what the change moved and removed.
    pub fn with_scenario(tree: &'a Tree, scenario: &'a crate::scenario::Scenario) -> Self {
        let mut storage_index = HashMap::with_capacity_and_hasher(tree.storage.storages.len(), IdHash);
        for (i, s) in tree.storage.storages.iter().enumerate() {
            storage_index.entry(s.id.as_str()).or_insert(i as u32);
        }
        let mut vol_start = Vec::with_capacity(tree.guests.len());
        let mut vol_storage = Vec::new();
        for g in &tree.guests {
            vol_start.push(vol_storage.len() as u32);
            for v in g.volumes.iter() {
                let index = match v.target {
                    VolumeTarget::Volume(id) => storage_index.get(g.config.str(id.storage)).copied(),
                    _ => None,
                };
                vol_storage.push(index.unwrap_or(NO_STORAGE));
            }
        }
        let vmids: Vec<u32> = tree.guests.iter().map(|g| g.vmid).collect();
        let vmids = vmids.windows(2).all(|w| w[0] <= w[1]).then_some(vmids);
        Context {
            tree,
            scenario,
            nodes: tree.cluster_nodes(),
            storage_index,
            vol_start,
            vol_storage,
            vmids,
            by_node: Default::default(),
            repeated: Default::default(),
            pools: Default::default(),
            dir_index: Default::default(),
            all_nodes: Default::default(),
            local_default: Default::default(),
            targets: Default::default(),
            vm_count: Default::default(),
            pool_jobs: Default::default(),
            mapping_refs: Default::default(),
            mapping_index: Default::default(),
            sdn_index: Default::default(),
            vnet_nics: Default::default(),
        }
    }

    /// The index of a guest in `tree.guests` (every `&Guest` the context hands out points
    /// into it; found from its address, else by a scan).
    pub fn guest_index(&self, g: &Guest) -> Option<usize> {
        let base = self.tree.guests.as_ptr() as usize;
        let i = (g as *const Guest as usize).wrapping_sub(base) / std::mem::size_of::<Guest>().max(1);
        match self.tree.guests.get(i) {
            Some(x) if std::ptr::eq(x, g) => Some(i),
            _ => self.tree.guests.iter().position(|x| std::ptr::eq(x, g)),
        }
    }

    /// The indexes in `tree.guests` of the guests whose config is in this node's directory,
    /// ascending.
    pub fn guests_on(&self, node: &str) -> &[usize] {
        let index = self.by_node.get_or_init(|| {
            let mut m: HashMap<&'a str, Vec<usize>> = HashMap::new();
            for (i, g) in self.tree.guests.iter().enumerate() {
                m.entry(g.node.as_str()).or_default().push(i);
            }
            m
        });
        index.get(node).map_or(&[], Vec::as_slice)
    }

    /// The indexes in `tree.guests` of the guests with this VMID (when sorted).
    fn vmid_run(&self, vmid: u32) -> Option<std::ops::Range<usize>> {
        let vmids = self.vmids.as_ref()?;
        let start = vmids.partition_point(|v| *v < vmid);
        let end = start + vmids[start..].partition_point(|v| *v <= vmid);
        Some(start..end)
    }

    pub fn storage(&self, id: &str) -> Option<&'a Storage> {
        self.storage_index.get(id).map(|&i| &self.tree.storage.storages[i as usize])
    }

    pub fn storage_status(&self, id: &str, node: &str) -> StorageStatus {
        self.status_of(self.storage(id), node)
    }

    /// [`Context::storage_status`] of a `storage:volname` volume on its guest's node.
    pub fn volume_status(&self, v: &GuestVolume) -> StorageStatus {
        self.status_of(v.storage, &v.guest.node)
    }

    /// [`Context::storage_status`] of a storage already looked up (`None`: undefined).
    pub fn status_of(&self, storage: Option<&Storage>, node: &str) -> StorageStatus {
        let Some(s) = storage else {
            return if self.storage_known() { StorageStatus::Undefined } else { StorageStatus::Available };
        };
        if !s.usable {
            return StorageStatus::Unusable;
        }
        if let Some(d) = s.disabled {
            return StorageStatus::Disabled(d);
        }
        if let Some(n) = &s.nodes {
            // The placeholder of an unknown local node: which node it is cannot be
            // checked (the CLI says so, see `unchecked_on_placeholder`).
            if !n.value.contains(node) && node != pvelint_parse::tree::PLACEHOLDER_NODE {
                return StorageStatus::NotOnNode(n.span);
            }
        }
        StorageStatus::Available
    }

    /// The nodes of `nodes` (sorted) where storage `s` cannot be used, and why
    /// (`Unusable`, `Disabled` or `NotOnNode`, the same for all of them); `None` when it is
    /// available on all. Costs the length of `s`'s `nodes` list, not of `nodes`: a job
    /// on every node of a large cluster is judged without walking them.
    pub fn unavailable_on(&self, s: &Storage, nodes: &[String]) -> Option<(StorageStatus, SomeNodes)> {
        debug_assert!(nodes.windows(2).all(|w| w[0] <= w[1]));
        if nodes.is_empty() {
            return None;
        }
        if !s.usable {
            return Some((StorageStatus::Unusable, SomeNodes::all(nodes)));
        }
        if let Some(d) = s.disabled {
            return Some((StorageStatus::Disabled(d), SomeNodes::all(nodes)));
        }
        let listed = s.nodes.as_ref()?;
        let placeholder = pvelint_parse::tree::PLACEHOLDER_NODE;
        let bad = |n: &&String| !listed.value.contains(*n) && n.as_str() != placeholder;
        let count = if nodes.len() <= listed.value.len() + 1 {
            nodes.iter().filter(bad).count()
        } else {
            let has = |n: &str| nodes.binary_search_by(|x| x.as_str().cmp(n)).is_ok();
            let kept = listed.value.iter().filter(|n| has(n)).count();
            nodes.len() - kept - usize::from(has(placeholder) && !listed.value.contains(placeholder))
        };
        if count == 0 {
            return None;
        }
        // At most the listed nodes are skipped before the first few are found.
        let first = nodes.iter().filter(bad).take(pvelint_parse::diag::MAX_RELATED).cloned().collect();
        Some((StorageStatus::NotOnNode(listed.span), SomeNodes { count, first }))
    }

    /// Whether the node is known not to be in the cluster. `false` when the node list
    /// is unknown.
    pub fn node_unknown(&self, node: &str) -> bool {
        node != pvelint_parse::tree::PLACEHOLDER_NODE && self.nodes.as_ref().is_some_and(|n| !n.contains(node))
    }

    /// Guests on the placeholder of an unknown local node and their volumes on storages
    /// that `nodes` restricts: what the node-dependent rules (G103, J103, J109, V101)
    /// could not check. `(guests, volumes)`.
    pub fn unchecked_on_placeholder(&self) -> (usize, usize) {
        let on = self.guests_on(pvelint_parse::tree::PLACEHOLDER_NODE);
        let vols = on
            .iter()
            .flat_map(|&i| self.guest_volumes(i))
            .filter(|v| v.storage.is_some_and(|s| s.nodes.is_some()))
            .count();
        (on.len(), vols)
    }

    /// A non-shared local storage tied by `nodes` to a single node, not a system
    /// storage: one device on one node (a USB disk, an extra pool) that backups of
    /// everything on it depend on.
    pub fn is_fragile(&self, s: &Storage) -> bool {
        let local_type = matches!(
            s.kind,
            StorageType::Dir | StorageType::Btrfs | StorageType::ZfsPool | StorageType::Lvm | StorageType::LvmThin
        );
        let single_node = s.nodes.as_ref().is_some_and(|n| n.value.len() == 1);
        let system = SYSTEM_STORAGES.contains(&s.id.as_str())
            || s.pool.as_ref().is_some_and(|p| p.value == "rpool" || p.value.starts_with("rpool/"))
            || s.section.as_ref().and_then(|sec| sec.get("vgname")).is_some_and(|v| v.value == "pve");
        // On a standalone node every storage is "single node"; the restriction only
        // singles out one device when the cluster has other nodes.
        let multi_node = self.nodes.as_ref().is_some_and(|n| n.len() > 1);
        local_type && single_node && multi_node && !s.shared.value && !system
    }

    /// Whether the tree has a storage.cfg. Without it, which storages exist is unknown
    /// (a partial copy), and rules about undefined storages stay silent.
    pub fn storage_known(&self) -> bool {
        self.tree.storage.file.is_some()
    }

    /// The storage whose directory holds `path` (longest match), or a `/mnt/pve/<id>`
    /// of an undefined storage.
    pub fn path_owner(&self, path: &str) -> Option<PathOwner<'a>> {
        let path = pvelint_parse::storage::canonpath(path);
        // The path and each of its parents, longest first: the first storage directory
        // found is the longest match (lookups in an index, not a scan of storage.cfg per
        // path).
        let (dirs, removed) = self.dir_index.get_or_init(|| {
            let mut dirs: HashMap<String, &'a Storage> = HashMap::new();
            for s in self.tree.storage.iter() {
                if let Some(dir) = s.fs_path() {
                    if dir.value != "/" {
                        dirs.entry(dir.value.clone()).or_insert(s);
                    }
                }
            }
            let mut removed: HashMap<String, usize> = HashMap::new();
            for (i, s) in self.scenario.removed_storages.iter().enumerate() {
                if let Some(dir) = s.fs_path() {
                    removed.entry(dir.value.clone()).or_insert(i);
                }
            }
            (dirs, removed)
        });
        let ancestors = || {
            let mut p: Option<&str> = Some(path.as_str());
            std::iter::from_fn(move || {
                let cur = p?;
                p = match cur.rfind('/') {
                    Some(0) if cur.len() > 1 => Some("/"),
                    Some(i) if i > 0 => Some(&cur[..i]),
                    _ => None,
                };
                Some(cur)
            })
        };
        if let Some((dir, s)) = ancestors().find_map(|d| dirs.get(d).map(|s| (d, *s))) {
            return Some(PathOwner::Storage(s, dir.to_string()));
        }
        if !self.storage_known() {
            return None;
        }
        // The first removed storage (in order) whose directory holds the path.
        if let Some(i) = ancestors().filter(|d| *d != "/" || path == "/").filter_map(|d| removed.get(d).copied()).min()
        {
            let s = &self.scenario.removed_storages[i];
            if let Some(dir) = s.fs_path() {
                return Some(PathOwner::GhostMount(s.id.clone(), dir.value.clone()));
            }
        }
        let rest = path.strip_prefix("/mnt/pve/")?;
        let id = rest.split('/').next().filter(|id| !id.is_empty())?;
        Some(PathOwner::GhostMount(id.to_string(), format!("/mnt/pve/{id}")))
    }

    pub fn guest(&self, vmid: u32) -> Option<&'a Guest> {
        match self.vmid_run(vmid) {
            Some(run) => self.tree.guests.get(run.start).filter(|g| g.vmid == vmid),
            None => self.tree.guests.iter().find(|g| g.vmid == vmid),
        }
    }

    fn pool_index(&self) -> &PoolIndex<'a> {
        self.pools.get_or_init(|| {
            let mut exact = HashMap::new();
            let mut folded = HashMap::new();
            let mut member = HashMap::new();
            for (i, p) in self.tree.user.iter().flat_map(|u| u.pools.iter()).enumerate() {
                exact.entry(p.name.value.as_str()).or_insert(i);
                folded.entry(p.name.value.to_ascii_lowercase()).or_insert(i);
                for v in &p.vmids {
                    member.entry(v.value).or_insert(&p.name.value);
                }
            }
            (exact, folded, member)
        })
    }

    /// The pool of user.cfg with this name.
    pub fn pool(&self, name: &str) -> Option<&'a pvelint_parse::user::Pool> {
        let i = *self.pool_index().0.get(name)?;
        self.tree.user.as_ref().map(|u| &u.pools[i])
    }

    /// The first pool whose name equals this one but for ASCII case.
    pub fn pool_ignoring_case(&self, name: &str) -> Option<&'a pvelint_parse::user::Pool> {
        let i = *self.pool_index().1.get(&name.to_ascii_lowercase())?;
        self.tree.user.as_ref().map(|u| &u.pools[i])
    }

    /// Every guest config with this VMID (two or more are a C101 duplicate), in tree
    /// order: a binary search when the guests are sorted (as `load` leaves them).
    pub fn guests_with_vmid(&self, vmid: u32) -> Vec<&'a Guest> {
        match self.vmid_run(vmid) {
            Some(run) => self.tree.guests[run].iter().collect(),
            None => self.tree.guests.iter().filter(|g| g.vmid == vmid).collect(),
        }
    }

    /// Whether a backup job selects this guest ([`Context::selected_guests`] for one
    /// guest, without building the selection): a pool's membership is looked up, a
    /// `vmid` or `exclude` list read.
    pub fn job_selects(&self, opts: &VzdumpOptions, g: &Guest) -> bool {
        if opts.node().is_some_and(|n| n.value != g.node) {
            return false;
        }
        if let Some(pool) = opts.pool() {
            return self
                .pool(&pool.value)
                .is_some_and(|p| self.pool_index().2.get(&g.vmid).is_some_and(|n| **n == p.name.value));
        }
        if !opts.vmids().is_empty() {
            return opts.vmids().iter().any(|v| v.value == g.vmid);
        }
        (opts.all() || !opts.excludes().is_empty()) && !opts.excludes().iter().any(|v| v.value == g.vmid)
    }

    /// Nodes that hold guest configs.
    pub fn guest_nodes(&self) -> BTreeSet<&'a str> {
        self.tree.guests.iter().map(|g| g.node.as_str()).collect()
    }

    /// The guests a backup job (or vzdump.cron line) selects, with Proxmox's rules:
    /// `pool` first, then `vmid`, then `all` minus `exclude` (`exclude` alone implies
    /// `all`); `node` drops guests on other nodes.
    pub fn selected_guests(&self, opts: &VzdumpOptions) -> Vec<&'a Guest> {
        let mut ids: BTreeSet<u32> = BTreeSet::new();
        if let Some(pool) = opts.pool() {
            if let Some(p) = self.pool(&pool.value) {
                ids.extend(p.vmids.iter().map(|v| v.value));
            }
        } else if !opts.vmids().is_empty() {
            ids.extend(opts.vmids().iter().map(|v| v.value));
        } else if opts.all() || !opts.excludes().is_empty() {
            // Every guest but the excluded ones: one pass, no set of every VMID; with
            // `node`, only that node's guests.
            let ex: BTreeSet<u32> = opts.excludes().iter().map(|v| v.value).collect();
            let guests = &self.tree.guests;
            return match opts.node() {
                Some(n) => {
                    self.guests_on(&n.value).iter().map(|&i| &guests[i]).filter(|g| !ex.contains(&g.vmid)).collect()
                }
                None => guests.iter().filter(|g| !ex.contains(&g.vmid)).collect(),
            };
        }
        let on_node = |g: &&'a Guest| opts.node().is_none_or(|n| n.value == g.node);
        if self.vmids.is_some() {
            // Ascending VMIDs, each VMID's guests in tree order: the order of the scan below.
            let mut out = Vec::new();
            for id in ids {
                if let Some(run) = self.vmid_run(id) {
                    out.extend(self.tree.guests[run].iter().filter(on_node));
                }
            }
            return out;
        }
        self.tree.guests.iter().filter(|g| ids.contains(&g.vmid)).filter(on_node).collect()
    }

    /// The nodes a job runs on: its `node`, else every cluster node (or, when the
    /// node list is unknown, every node that holds guests).
    pub fn job_nodes(&self, opts: &VzdumpOptions) -> NodeSet {
        match opts.node() {
            Some(n) => Arc::from([n.value.clone()]),
            None => self.all_job_nodes().clone(),
        }
    }

    /// The nodes a job without `node` runs on: every cluster node (or, when the node
    /// list is unknown, every node that holds guests), sorted; built once.
    pub fn all_job_nodes(&self) -> &NodeSet {
        self.all_nodes.get_or_init(|| match &self.nodes {
            Some(n) => n.iter().cloned().collect(),
            None => self.guest_nodes().into_iter().map(String::from).collect(),
        })
    }

    /// Whether a job backs up every guest of every node it runs on, on every node: no
    /// `node`, `pool` or `vmid` (its workers are [`Context::all_job_nodes`]).
    pub fn job_runs_everywhere(opts: &VzdumpOptions) -> bool {
        opts.node().is_none() && opts.pool().is_none() && opts.vmids().is_empty()
    }

    /// The backup target on `node`: the job's `storage`, else (when the job sets no
    /// `dumpdir`) the node's vzdump.conf `storage` (unless it sets `dumpdir` instead),
    /// else `local`. `None` when a dumpdir is used instead of a storage.
    pub fn backup_target(&self, opts: &VzdumpOptions, node: &str) -> Option<(String, Option<Span>)> {
        if let Some(s) = opts.storage() {
            return Some((s.value.clone(), Some(s.span)));
        }
        if opts.dumpdir().is_some() {
            return None;
        }
        if let Some(conf) = self.tree.vzdump_confs.get(node) {
            if let Some(s) = conf.opts.storage() {
                return Some((s.value.clone(), Some(s.span)));
            }
            if conf.opts.dumpdir().is_some() {
                return None;
            }
        }
        Some(("local".to_string(), None))
    }

    /// The effective `tmpdir` of a job on a node: the job's, else the node's
    /// vzdump.conf.
    pub fn tmpdir(&self, opts: &'a VzdumpOptions, node: &str) -> Option<&'a Spanned<String>> {
        opts.tmpdir().or_else(|| self.tree.vzdump_confs.get(node).and_then(|c| c.opts.tmpdir()))
    }

    /// Every volume reference of every guest, in guest order then file order.
    pub fn volumes(&self) -> impl Iterator<Item = GuestVolume<'a>> + '_ {
        (0..self.tree.guests.len()).flat_map(|gi| self.guest_volumes(gi))
    }

    /// The main-section volumes of every guest a what-if change moved, with the node its
    /// config came from and the guest (in VMID order): what M1xx rules examine.
    pub fn moved_guest_volumes(&self) -> impl Iterator<Item = (&'a str, &'a Guest, GuestVolume<'a>)> + '_ {
        let scenario: &'a crate::scenario::Scenario = self.scenario;
        scenario.moved_guests.iter().flat_map(move |(vmid, from)| {
            let guest = self.guest(*vmid);
            guest
                .into_iter()
                .flat_map(move |g| self.volumes_of(*vmid).filter(|v| v.in_main()).map(move |v| (from.as_str(), g, v)))
        })
    }

    /// The volume references of the guests with this VMID.
    pub fn volumes_of(&self, vmid: u32) -> impl Iterator<Item = GuestVolume<'a>> + '_ {
        // `tree.guests` is sorted by VMID (else scan): the guests of one VMID are a run.
        let run = self.vmid_run(vmid).unwrap_or(0..self.tree.guests.len());
        run.filter(move |&gi| self.tree.guests[gi].vmid == vmid).flat_map(|gi| self.guest_volumes(gi))
    }

    /// The volume references of `tree.guests[gi]` (that guest only, not other guests
    /// with its VMID), with their storages.
    pub fn guest_volumes(&self, gi: usize) -> impl Iterator<Item = GuestVolume<'a>> + '_ {
        let g: &'a Guest = &self.tree.guests[gi];
        let start = self.vol_start[gi] as usize;
        g.volumes.iter().enumerate().map(move |(vi, vol)| self.volume_at(g, vol, start + vi))
    }

    fn volume_at(&self, guest: &'a Guest, vol: &'a VolumeRef, pos: usize) -> GuestVolume<'a> {
        let storage = match self.vol_storage[pos] {
            NO_STORAGE => None,
            i => self.tree.storage.storages.get(i as usize),
        };
        GuestVolume { guest, vol, storage }
    }

    /// The `storage:volname` volumes that appear more than once in main sections, in
    /// volume ID order, each with its uses in guest order. One sort of 8-byte keys (hash
    /// of the ID, position in [`Context::volumes`]), no map: only equal hashes are
    /// compared as text.
    /// Computed once per run (G106 and G107 ask).
    pub fn repeated_volumes(&self) -> &[(&'a str, Vec<GuestVolume<'a>>)] {
        self.repeated.get_or_init(|| self.find_repeated_volumes())
    }

    fn find_repeated_volumes(&self) -> Vec<(&'a str, Vec<GuestVolume<'a>>)> {
        use std::hash::{Hash, Hasher};
        let mut keys: Vec<u64> = Vec::new();
        for (pos, v) in self.volumes().enumerate() {
            if let (true, VolumeTarget::Volume(id)) = (v.in_main(), v.vol.target) {
                let mut h = std::hash::DefaultHasher::new();
                v.str(id.full()).hash(&mut h);
                keys.push((h.finish() & !0xffff_ffff) | pos as u64);
            }
        }
        let at = |pos: usize| -> GuestVolume<'a> {
            let gi = self.vol_start.partition_point(|s| *s as usize <= pos) - 1;
            let g: &'a Guest = &self.tree.guests[gi];
            self.volume_at(g, &g.volumes[pos - self.vol_start[gi] as usize], pos)
        };
        let volid = |v: GuestVolume<'a>| -> &'a str {
            match v.vol.target {
                VolumeTarget::Volume(id) => v.str(id.full()),
                _ => "",
            }
        };
        keys.sort_unstable();
        let mut out: Vec<(&'a str, Vec<GuestVolume<'a>>)> = Vec::new();
        for run in keys.chunk_by(|a, b| a >> 32 == b >> 32).filter(|run| run.len() > 1) {
            // Same hash: group by the text (a collision puts two IDs in one run).
            let mut vols: Vec<(&'a str, usize)> =
                run.iter().map(|k| (k & 0xffff_ffff) as usize).map(|p| (volid(at(p)), p)).collect();
            vols.sort_unstable();
            for group in vols.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
                out.push((group[0].0, group.iter().map(|&(_, p)| at(p)).collect()));
            }
        }
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// `true` for container guests.
    pub fn is_ct(g: &Guest) -> bool {
        g.kind == GuestKind::Lxc
    }
}

/// A path setting of vzdump (`tmpdir`, `dumpdir`, `script`) as it applies on one node.
pub struct VzdumpPath<'a> {
    /// `tmpdir`, `dumpdir` or `script`.
    pub key: &'static str,
    pub value: &'a Spanned<String>,
    /// The nodes it applies on (sorted).
    pub nodes: NodeSet,
    /// `fun-bedbug's vzdump.conf` / `job 'backup-…'`.
    pub source: String,
    pub object: String,
}

impl<'a> Context<'a> {
    /// Every `tmpdir`, `dumpdir` and `script` of every node's vzdump.conf and of every
    /// enabled backup job, with the nodes it is used on.
    pub fn vzdump_paths(&self) -> Vec<VzdumpPath<'a>> {
        let mut out = Vec::new();
        for (node, conf) in &self.tree.vzdump_confs {
            for key in ["tmpdir", "dumpdir", "script"] {
                if let Some(v) = conf.opts.get(key) {
                    out.push(VzdumpPath {
                        key,
                        value: v,
                        nodes: Arc::from([node.clone()]),
                        source: format!("the vzdump.conf of node '{node}'"),
                        object: format!("node:{node}"),
                    });
                }
            }
        }
        if let Some(jobs) = &self.tree.jobs {
            for job in jobs.vzdump_jobs().filter(|j| j.enabled) {
                for key in ["tmpdir", "dumpdir", "script"] {
                    if let Some(v) = job.opts.get(key) {
                        out.push(VzdumpPath {
                            key,
                            value: v,
                            nodes: self.job_nodes(&job.opts),
                            source: format!("job '{}'", job.id.value),
                            object: job.object(),
                        });
                    }
                }
            }
        }
        out
    }
}

impl<'a> Context<'a> {
    /// The nodes on which a backup job really starts a worker that activates its target:
    /// every node it runs on for `all`/`exclude` jobs, else the nodes holding selected
    /// guests (pve-manager `PVE/API2/VZDump.pm` → `vzdump` starts a worker on every node for `all`).
    pub fn job_worker_nodes(&self, opts: &VzdumpOptions) -> NodeSet {
        if opts.pool().is_some() {
            return self.pool_job(opts).0;
        }
        self.find_worker_nodes(opts)
    }

    /// [`Context::job_worker_nodes`] and whether the job selects a VM, for a `pool` job:
    /// computed once per pool and `node`.
    fn pool_job(&self, opts: &VzdumpOptions) -> (NodeSet, bool) {
        let key = (opts.pool().map(|p| p.value.clone()).unwrap_or_default(), opts.node().map(|n| n.value.clone()));
        if let Some(hit) = self.pool_jobs.borrow().get(&key) {
            return hit.clone();
        }
        let has_vm = self.selected_guests(opts).iter().any(|g| g.kind == GuestKind::Qemu);
        let value = (self.find_worker_nodes(opts), has_vm);
        self.pool_jobs.borrow_mut().insert(key, value.clone());
        value
    }

    fn find_worker_nodes(&self, opts: &VzdumpOptions) -> NodeSet {
        let nodes = self.job_nodes(opts);
        if opts.pool().is_none() && opts.vmids().is_empty() {
            return nodes;
        }
        // The nodes of the selected guests (a set as large as the selection), kept when
        // the job runs there.
        let with_guests: BTreeSet<&str> = self.selected_guests(opts).iter().map(|g| g.node.as_str()).collect();
        with_guests
            .into_iter()
            .filter(|n| nodes.binary_search_by(|x| x.as_str().cmp(n)).is_ok())
            .map(String::from)
            .collect()
    }

    /// What a job without `storage` and `dumpdir` writes to on `node`.
    fn node_default(&self, node: &str) -> NodeDefault {
        match self.tree.vzdump_confs.get(node) {
            Some(c) if c.opts.storage().is_some() => NodeDefault::Storage,
            Some(c) if c.opts.dumpdir().is_some() => NodeDefault::Dumpdir,
            _ => NodeDefault::Local,
        }
    }

    /// Every target of every enabled backup job (J101–J103), built once.
    pub fn job_targets(&self) -> &[JobTarget<'a>] {
        self.targets.get_or_init(|| self.find_job_targets())
    }

    fn find_job_targets(&self) -> Vec<JobTarget<'a>> {
        let Some(jobs) = &self.tree.jobs else { return Vec::new() };
        let tree: &'a Tree = self.tree;
        let mut out = Vec::new();
        // Jobs that rely on the nodes' defaults: those on every node, and per node those
        // that run on some (index in the enabled jobs, the job).
        type Users<'j> = Vec<(usize, &'j pvelint_parse::jobs::Job)>;
        let mut everywhere: Users<'a> = Vec::new();
        let mut on_node: BTreeMap<String, Users<'a>> = BTreeMap::new();
        let enabled: Vec<&'a pvelint_parse::jobs::Job> = jobs.vzdump_jobs().filter(|j| j.enabled).collect();
        for (i, &job) in enabled.iter().enumerate() {
            let opts = &job.opts;
            if let Some(s) = opts.storage() {
                let nodes = self.job_worker_nodes(opts);
                out.push(JobTarget {
                    storage: &s.value,
                    set_at: Some(s.span),
                    nodes,
                    jobs: vec![job],
                    job_count: 1,
                    object: job.object(),
                });
                continue;
            }
            if opts.dumpdir().is_some() {
                continue;
            }
            let local: NodeSet = if Self::job_runs_everywhere(opts) {
                everywhere.push((i, job));
                self.local_default
                    .get_or_init(|| {
                        let all = self.all_job_nodes();
                        all.iter().filter(|n| self.node_default(n) == NodeDefault::Local).cloned().collect()
                    })
                    .clone()
            } else {
                let nodes = self.job_worker_nodes(opts);
                for n in nodes.iter() {
                    on_node.entry(n.clone()).or_default().push((i, job));
                }
                nodes.iter().filter(|n| self.node_default(n) == NodeDefault::Local).cloned().collect()
            };
            if !local.is_empty() {
                out.push(JobTarget {
                    storage: "local",
                    set_at: None,
                    nodes: local,
                    jobs: vec![job],
                    job_count: 1,
                    object: job.object(),
                });
            }
        }
        let all = self.all_job_nodes();
        for (node, conf) in &tree.vzdump_confs {
            let Some(s) = conf.opts.storage() else { continue };
            let from_all: &[(usize, &pvelint_parse::jobs::Job)] =
                if all.binary_search(node).is_ok() { &everywhere } else { &[] };
            let from_node = on_node.get(node).map_or(&[][..], Vec::as_slice);
            let job_count = from_all.len() + from_node.len();
            if job_count == 0 {
                continue;
            }
            // The first few in jobs.cfg order: a merge of two ascending lists.
            let (mut a, mut b) = (from_all.iter().peekable(), from_node.iter().peekable());
            let mut shown = Vec::new();
            while shown.len() < pvelint_parse::diag::MAX_RELATED {
                let next = match (a.peek(), b.peek()) {
                    (Some(x), Some(y)) if x.0 < y.0 => a.next(),
                    (Some(_), Some(_)) | (None, Some(_)) => b.next(),
                    (Some(_), None) => a.next(),
                    (None, None) => break,
                };
                shown.extend(next.map(|&(_, j)| j));
            }
            out.push(JobTarget {
                storage: &s.value,
                set_at: Some(s.span),
                nodes: Arc::from([node.clone()]),
                jobs: shown,
                job_count,
                object: format!("node:{node}"),
            });
        }
        out
    }

    /// Whether a job selects at least one VM (guests of other kinds are not affected by
    /// VM-only settings such as fleecing). For `all`/`exclude` jobs: the VMs of its scope
    /// minus the excluded ones, counted without walking the guests.
    pub fn selects_vm(&self, opts: &VzdumpOptions) -> bool {
        if opts.pool().is_some() {
            return self.pool_job(opts).1;
        }
        let every = opts.all() || !opts.excludes().is_empty();
        if !opts.vmids().is_empty() || !every {
            return self.selected_guests(opts).iter().any(|g| g.kind == GuestKind::Qemu);
        }
        let in_scope = |g: &Guest| g.kind == GuestKind::Qemu && opts.node().is_none_or(|n| n.value == g.node);
        let (total, by_node) = self.vm_count.get_or_init(|| {
            let mut by_node: HashMap<&'a str, usize> = HashMap::new();
            for g in self.tree.guests.iter().filter(|g| g.kind == GuestKind::Qemu) {
                *by_node.entry(g.node.as_str()).or_default() += 1;
            }
            (by_node.values().sum(), by_node)
        });
        let vms = match opts.node() {
            Some(n) => by_node.get(n.value.as_str()).copied().unwrap_or(0),
            None => *total,
        };
        let ex: BTreeSet<u32> = opts.excludes().iter().map(|v| v.value).collect();
        let excluded: usize =
            ex.iter().map(|&id| self.guests_with_vmid(id).into_iter().filter(|g| in_scope(g)).count()).sum();
        vms > excluded
    }
}

/// Where the cluster's node list came from, for messages of rules about unknown nodes.
pub struct NodeListSource {
    /// `corosync.conf lists 'a', 'b'` / `this standalone node is 'x'`.
    pub note: String,
    /// The `nodelist` block of corosync.conf, when the list came from there.
    pub span: Option<Span>,
}

impl<'a> Context<'a> {
    /// How `self.nodes` was learnt (corosync.conf, else the local node); `None` when the
    /// node list is unknown.
    pub fn node_list_source(&self) -> Option<NodeListSource> {
        let nodes = self.nodes.as_ref()?;
        let listed = pvelint_parse::diag::bounded_list(nodes.iter().map(|n| format!("'{n}'")), ", ", ", ");
        if let Some(c) = self.tree.corosync.as_ref().filter(|c| !c.nodes.is_empty()) {
            return Some(NodeListSource {
                note: format!("corosync.conf lists {listed}"),
                span: c.root.child("nodelist").map(|b| b.name.span),
            });
        }
        Some(NodeListSource {
            note: format!("there is no corosync.conf and this standalone node is {listed}"),
            span: None,
        })
    }

    /// The volumes a replication job of guest `g` copies (`get_replicatable_volumes`):
    /// storage volumes of its current config on its node, without unused volumes, the
    /// hook script and the VM state, ISO images and CD-ROMs, and volumes marked
    /// `replicate=0`.
    pub fn replicated_volumes(&self, g: &'a Guest) -> impl Iterator<Item = GuestVolume<'a>> + '_ {
        let node: &'a str = &g.node;
        self.volumes_of(g.vmid).filter(move |v| v.in_main() && v.guest.node == node).filter(|v| {
            let VolumeTarget::Volume(id) = v.vol.target else { return false };
            let key = v.key();
            let skipped = key.starts_with("unused")
                || key == "hookscript"
                || key == "vmstate"
                || v.str(id.volname).starts_with("iso/")
                || v.is_cdrom()
                || v.flag("replicate") == Some(false);
            !skipped
        })
    }

    /// The span that stands for a guest config as a whole: the first line of its main
    /// section, else the first line of the file.
    pub fn guest_anchor(&self, g: &Guest) -> Span {
        if let Some(e) = g.config.sections.first().and_then(|s| s.entries.first()) {
            return g.config.line(e);
        }
        let f = self.tree.file(g.file);
        f.lines().next().map_or(f.span(), |(s, _)| s)
    }
}

/// The elements of a list value (`nodes a,b c`) split like Proxmox's `split_list`, each
/// with its own span when the value is written verbatim (else the value's span).
pub fn list_items(v: &Spanned<String>) -> Vec<Spanned<String>> {
    let verbatim = v.span.len() == v.value.len();
    pvelint_parse::storage::split_list(&v.value)
        .into_iter()
        .map(|(a, b)| Spanned::new(v.value[a..b].to_string(), if verbatim { v.span.sub(a, b) } else { v.span }))
        .collect()
}

impl<'a> Context<'a> {
    /// The storage a guest lives on: a container's `rootfs`, a VM's boot disk (the first
    /// disk of `boot: order=…`, else `bootdisk`, else its first disk).
    pub fn home_storage(&self, g: &Guest) -> Option<String> {
        let vols: Vec<GuestVolume<'a>> =
            self.volumes_of(g.vmid).filter(|v| v.in_main() && v.guest.node == g.node).collect();
        let storage_of =
            |key: &str| vols.iter().find(|v| v.key() == key).and_then(|v| v.storage_id()).map(|s| s.value.to_string());
        if g.kind == GuestKind::Lxc {
            return storage_of("rootfs");
        }
        let boot = g.config.get("boot").map(|e| g.config.value(e)).unwrap_or_default();
        let order = boot.split(',').find_map(|p| p.strip_prefix("order=")).unwrap_or_default();
        for key in order.split(';').chain(g.config.get("bootdisk").map(|e| g.config.value(e))) {
            if let Some(s) = storage_of(key.trim()) {
                return Some(s);
            }
        }
        vols.iter()
            .filter(|v| v.backed_up() && !matches!(v.key(), "efidisk0" | "tpmstate0"))
            .find_map(|v| v.storage_id().map(|s| s.value.to_string()))
    }

    /// A volume in the guest's backups that sits on a fragile storage (see
    /// [`Context::is_fragile`]) other than the one the guest itself lives on: an extra
    /// device (a USB disk, a second pool) that the guest's backups depend on. A guest that
    /// lives entirely on a node-local pool is a normal setup and not reported.
    pub fn on_extra_fragile_device(&self, v: GuestVolume) -> bool {
        let Some(s) = v.storage else { return false };
        v.backed_up() && self.is_fragile(s) && self.home_storage(v.guest).as_deref() != Some(s.id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pvelint_parse::tree::{InputFile, TreeInput};

    fn tree(storage: &str) -> Tree {
        let file = |path: &str, text: &str| InputFile::new(path, text.as_bytes().to_vec());
        let mut nodes = String::from("nodelist {\n");
        for i in 1..=40 {
            nodes.push_str(&format!(
                "  node {{\n    name: n{i:02}\n    nodeid: {i}\n    ring0_addr: 10.0.0.{i}\n  }}\n"
            ));
        }
        nodes.push_str("}\n");
        pvelint_parse::load(TreeInput {
            files: vec![file("storage.cfg", storage), file("corosync.conf", &nodes)],
            ..TreeInput::default()
        })
    }

    /// The unavailable nodes are counted from the storage's `nodes` list (both ways of
    /// counting agree), and only the first few are named.
    #[test]
    fn unavailable_on_counts_without_walking_every_node() {
        let t =
            tree("dir: dd\n\tpath /d\n\tcontent backup\n\tnodes n03,n07,ghost\n\ndir: off\n\tpath /o\n\tdisable 1\n");
        let ctx = Context::new(&t);
        let all = ctx.all_job_nodes().clone();
        assert_eq!(all.len(), 40);
        let d = ctx.storage("dd").unwrap();
        let (status, bad) = ctx.unavailable_on(d, &all).unwrap();
        assert!(matches!(status, StorageStatus::NotOnNode(_)));
        assert_eq!(bad.count, 38);
        assert_eq!(bad.first, ["n01", "n02", "n04", "n05", "n06"]);
        assert_eq!(bad.quote(), "nodes 'n01', 'n02', 'n04', 'n05', 'n06' and 33 more");
        // A short list is filtered directly: the same answer.
        let few: Vec<String> = ["n03", "n05", "n07"].map(String::from).into();
        let (_, bad) = ctx.unavailable_on(d, &few).unwrap();
        assert_eq!((bad.count, bad.first.as_slice()), (1, &["n05".to_string()][..]));
        assert!(ctx.unavailable_on(d, &["n03".to_string()]).is_none());
        let (status, bad) = ctx.unavailable_on(ctx.storage("off").unwrap(), &all).unwrap();
        assert!(matches!(status, StorageStatus::Disabled(_)));
        assert_eq!(bad.count, 40);
    }
}
