//! Indexes over the model that rules share, built once per run, and the questions
//! several rules ask ("is this storage usable on that node?", "which guests does this
//! job back up?", "which storage owns this path?").

use pvelint_parse::guest::{Backup, GuestKind, VolumeRef, VolumeTarget};
use pvelint_parse::storage::{Storage, StorageType};
use pvelint_parse::vzdump_opts::VzdumpOptions;
use pvelint_parse::{Guest, Span, Spanned, Tree};
use std::collections::{BTreeSet, HashMap};

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
    /// [`Context::mapping_refs`], built on first use.
    pub(crate) mapping_refs: std::cell::OnceCell<Vec<crate::mappings::MappingRef<'a>>>,
    /// (kind, ID) → mapping, built on first use ([`Context::mapping`]).
    pub(crate) mapping_index: std::cell::OnceCell<crate::mappings::MappingIndex<'a>>,
    /// [`Context::sdn_index`], built on first use.
    pub(crate) sdn_index: std::cell::OnceCell<crate::sdn::SdnIndex<'a>>,
    /// [`Context::vnet_nics`], built on first use.
    pub(crate) vnet_nics: std::cell::OnceCell<Vec<crate::sdn::VnetNic<'a>>>,
}

/// Pool name → index in user.cfg's pools, and lower-case name → the first such pool.
type PoolIndex<'a> = (HashMap<&'a str, usize>, HashMap<String, usize>);

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
            for (i, p) in self.tree.user.iter().flat_map(|u| u.pools.iter()).enumerate() {
                exact.entry(p.name.value.as_str()).or_insert(i);
                folded.entry(p.name.value.to_ascii_lowercase()).or_insert(i);
            }
            (exact, folded)
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
    pub fn job_nodes(&self, opts: &VzdumpOptions) -> Vec<String> {
        if let Some(n) = opts.node() {
            return vec![n.value.clone()];
        }
        match &self.nodes {
            Some(n) => n.iter().cloned().collect(),
            None => self.guest_nodes().into_iter().map(String::from).collect(),
        }
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
    /// The nodes it applies on.
    pub nodes: Vec<String>,
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
                        nodes: vec![node.clone()],
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
    pub fn job_worker_nodes(&self, opts: &VzdumpOptions) -> Vec<String> {
        let nodes = self.job_nodes(opts);
        if opts.pool().is_none() && opts.vmids().is_empty() {
            return nodes;
        }
        let with_guests: BTreeSet<&str> = self.selected_guests(opts).iter().map(|g| g.node.as_str()).collect();
        nodes.into_iter().filter(|n| with_guests.contains(n.as_str())).collect()
    }

    /// Every enabled backup job with each of its targets (J101–J103): (job, storage id,
    /// span of where it was set, nodes that write there).
    pub fn enabled_job_targets(
        &self,
    ) -> impl Iterator<Item = (&'a pvelint_parse::jobs::Job, String, Option<Span>, Vec<String>)> + '_ {
        let jobs = self.tree.jobs.iter().flat_map(|j| j.vzdump_jobs().filter(|j| j.enabled));
        jobs.flat_map(move |job| {
            self.job_targets(&job.opts).into_iter().map(move |(id, span, nodes)| (job, id, span, nodes))
        })
    }

    /// Backup targets of a job per node: (storage id, span of where it was set, nodes).
    pub fn job_targets(&self, opts: &VzdumpOptions) -> Vec<(String, Option<Span>, Vec<String>)> {
        let mut out: Vec<(String, Option<Span>, Vec<String>)> = Vec::new();
        let mut at: HashMap<(String, Option<Span>), usize> = HashMap::new();
        for node in self.job_worker_nodes(opts) {
            let Some((id, span)) = self.backup_target(opts, &node) else { continue };
            match at.get(&(id.clone(), span)) {
                Some(&k) => out[k].2.push(node),
                None => {
                    at.insert((id.clone(), span), out.len());
                    out.push((id, span, vec![node]));
                }
            }
        }
        out
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
