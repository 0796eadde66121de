//! Seeded, deterministic generator of synthetic but realistic Proxmox VE cluster trees,
//! for pvelint's benchmarks.
//!
//! A generated tree is laid out as `OUT/pve/` (a copy of `/etc/pve`: corosync.conf,
//! storage.cfg, jobs.cfg, user.cfg, datacenter.cfg and
//! `nodes/<node>/{lxc,qemu-server}/<vmid>.conf`) and `OUT/vzdump/<node>.conf` (each
//! node's `/etc/vzdump.conf`, attached with `pvelint check --vzdump-conf NODE=FILE`).
//!
//! The same [`Params`] always give the same bytes. A share of the guests and jobs
//! (`broken_share`) carries one broken reference each (an undefined or disabled storage,
//! a storage restricted to other nodes, a volume named after another guest, a volume
//! shared with another guest, a backup target without `backup` content), so that the
//! rules have work to do.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub nodes: usize,
    pub guests: usize,
    /// Storages in storage.cfg, `local` and `local-lvm` included (at least 2).
    pub storages: usize,
    /// Backup jobs in jobs.cfg.
    pub jobs: usize,
    /// Share (0.0 to 1.0) of guests and jobs with one broken reference.
    pub broken_share: f64,
    pub seed: u64,
}

impl Params {
    /// A tree of `guests` guests with node, storage and job counts that grow with it
    /// the way real clusters do (a homelab: 1 node; 10,000 guests: 50 nodes; 100,000
    /// guests: 500 nodes). Backup jobs grow with the nodes, up to 40.
    pub fn scaled(guests: usize, seed: u64) -> Params {
        let nodes = (guests / 200).clamp(1, 500);
        Params {
            nodes,
            guests,
            storages: (4 + nodes * 2).min(200),
            jobs: (2 + nodes / 2).min(40),
            broken_share: 0.02,
            seed,
        }
    }
}

/// A generated tree in memory.
#[derive(Clone, Debug, Default)]
pub struct Generated {
    /// Files of `/etc/pve`: path relative to its root (`/` separators) and contents.
    pub files: Vec<(String, String)>,
    /// Each node's `/etc/vzdump.conf`: node name and contents.
    pub vzdump_confs: Vec<(String, String)>,
}

impl Generated {
    /// Total size of every file, in bytes.
    pub fn bytes(&self) -> usize {
        self.files.iter().map(|(_, t)| t.len()).sum::<usize>()
            + self.vzdump_confs.iter().map(|(_, t)| t.len()).sum::<usize>()
    }

    /// Number of files.
    pub fn file_count(&self) -> usize {
        self.files.len() + self.vzdump_confs.len()
    }

    /// Writes `out/pve/...` and `out/vzdump/<node>.conf`. `out` must not hold an older
    /// tree (files are created, never deleted).
    pub fn write(&self, out: &Path) -> io::Result<()> {
        let pve = out.join("pve");
        for (rel, text) in &self.files {
            let p = pve.join(rel);
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&p, text)?;
        }
        let vz = out.join("vzdump");
        std::fs::create_dir_all(&vz)?;
        for (node, text) in &self.vzdump_confs {
            std::fs::write(vz.join(format!("{node}.conf")), text)?;
        }
        Ok(())
    }
}

/// splitmix64: small, fast, good enough for synthetic data, and stable across
/// platforms and releases (unlike the standard library's hashers).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`0` when `n == 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            ((self.next_u64() >> 11) % n as u64) as usize
        }
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn hex(&mut self, digits: usize) -> String {
        let mut s = String::with_capacity(digits);
        for _ in 0..digits {
            s.push(char::from(b"0123456789abcdef"[self.below(16)]));
        }
        s
    }

    fn mac(&mut self) -> String {
        format!("BC:24:11:{:02X}:{:02X}:{:02X}", self.below(256), self.below(256), self.below(256))
    }

    fn uuid(&mut self) -> String {
        format!("{}-{}-4{}-a{}-{}", self.hex(8), self.hex(4), self.hex(3), self.hex(3), self.hex(12))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Dir,
    LvmThin,
    ZfsPool,
    Nfs,
    Pbs,
}

#[derive(Clone, Debug)]
struct Stor {
    id: String,
    kind: Kind,
    /// `None`: every node.
    nodes: Option<Vec<usize>>,
    disabled: bool,
    /// Holds guest disks (`images`/`rootdir`).
    images: bool,
    backup: bool,
    path: Option<String>,
}

impl Stor {
    fn on(&self, node: usize) -> bool {
        !self.disabled && self.nodes.as_ref().is_none_or(|n| n.contains(&node))
    }
}

fn node_name(i: usize, width: usize) -> String {
    format!("pve{:0width$}", i + 1)
}

/// Generates the tree described by `p`.
pub fn generate(p: &Params) -> Generated {
    let mut rng = Rng::new(p.seed);
    let n_nodes = p.nodes.max(1);
    let width = n_nodes.to_string().len().max(2);
    let nodes: Vec<String> = (0..n_nodes).map(|i| node_name(i, width)).collect();
    let storages = storages(&mut rng, p.storages.max(2), n_nodes);
    let mut g = Generated::default();
    g.files.push(("corosync.conf".into(), corosync(&nodes)));
    g.files.push(("datacenter.cfg".into(), "keyboard: en-us\nmigration: secure,network=10.10.10.0/24\n".into()));
    g.files.push(("storage.cfg".into(), storage_cfg(&mut rng, &storages, &nodes)));

    // Guests: VMIDs from 100 up, placed on nodes at random.
    let mut placed: Vec<(u32, usize, bool)> = Vec::with_capacity(p.guests);
    for i in 0..p.guests {
        let vmid = 100 + i as u32;
        let node = rng.below(n_nodes);
        let ct = rng.chance(0.45);
        placed.push((vmid, node, ct));
    }
    for &(vmid, node, ct) in &placed {
        let broken = rng.chance(p.broken_share);
        let text = guest(&mut rng, vmid, node, ct, &storages, &placed, broken);
        let dir = if ct { "lxc" } else { "qemu-server" };
        g.files.push((format!("nodes/{}/{dir}/{vmid}.conf", nodes[node]), text));
    }
    let pools = (p.jobs / 4).max(1);
    g.files.push(("user.cfg".into(), user_cfg(&mut rng, pools, &placed)));
    g.files.push(("jobs.cfg".into(), jobs_cfg(&mut rng, p, pools, &storages, &nodes, &placed)));
    for (i, name) in nodes.iter().enumerate() {
        let broken = rng.chance(p.broken_share * 5.0);
        g.vzdump_confs.push((name.clone(), vzdump_conf(&mut rng, i, &storages, broken)));
    }
    g
}

fn storages(rng: &mut Rng, count: usize, n_nodes: usize) -> Vec<Stor> {
    let mut out = vec![
        Stor {
            id: "local".into(),
            kind: Kind::Dir,
            nodes: None,
            disabled: false,
            images: false,
            backup: true,
            path: Some("/var/lib/vz".into()),
        },
        Stor {
            id: "local-lvm".into(),
            kind: Kind::LvmThin,
            nodes: None,
            disabled: false,
            images: true,
            backup: false,
            path: None,
        },
    ];
    let subset = |rng: &mut Rng, max: usize| -> Vec<usize> {
        let k = 1 + rng.below(max.min(n_nodes));
        let mut v: Vec<usize> = (0..k).map(|_| rng.below(n_nodes)).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    for i in 2..count {
        let n = i - 1;
        let r = rng.below(100);
        let disabled = rng.chance(0.04);
        let s = if r < 30 {
            Stor {
                id: format!("tank-{n}"),
                kind: Kind::ZfsPool,
                nodes: Some(subset(rng, 3)),
                disabled,
                images: true,
                backup: false,
                path: None,
            }
        } else if r < 45 {
            Stor {
                id: format!("thin-{n}"),
                kind: Kind::LvmThin,
                nodes: Some(subset(rng, 2)),
                disabled,
                images: true,
                backup: false,
                path: None,
            }
        } else if r < 65 {
            Stor {
                id: format!("nfs-{n}"),
                kind: Kind::Nfs,
                nodes: None,
                disabled,
                images: true,
                backup: true,
                path: Some(format!("/mnt/pve/nfs-{n}")),
            }
        } else if r < 80 {
            Stor {
                id: format!("pbs-{n}"),
                kind: Kind::Pbs,
                nodes: None,
                disabled,
                images: false,
                backup: true,
                path: None,
            }
        } else {
            Stor {
                id: format!("usb-{n}"),
                kind: Kind::Dir,
                nodes: Some(subset(rng, 1)),
                disabled,
                images: true,
                backup: true,
                path: Some(format!("/mnt/usb-{n}")),
            }
        };
        out.push(s);
    }
    out
}

fn corosync(nodes: &[String]) -> String {
    let mut s = String::from("logging {\n  debug: off\n  to_syslog: yes\n}\n\nnodelist {\n");
    for (i, n) in nodes.iter().enumerate() {
        let _ = write!(
            s,
            "  node {{\n    name: {n}\n    nodeid: {}\n    quorum_votes: 1\n    ring0_addr: 10.10.{}.{}\n  }}\n",
            i + 1,
            i / 250,
            i % 250 + 1
        );
    }
    s.push_str(
        "}\n\nquorum {\n  provider: corosync_votequorum\n}\n\ntotem {\n  cluster_name: bench\n  config_version: 7\n  interface {\n    linknumber: 0\n  }\n  ip_version: ipv4-6\n  link_mode: passive\n  secauth: on\n  version: 2\n}\n",
    );
    s
}

fn storage_cfg(rng: &mut Rng, storages: &[Stor], nodes: &[String]) -> String {
    let mut s = String::new();
    for st in storages {
        let node_list =
            |st: &Stor| st.nodes.as_ref().map(|n| n.iter().map(|&i| nodes[i].as_str()).collect::<Vec<_>>().join(","));
        match st.kind {
            Kind::Dir if st.id == "local" => {
                s.push_str("dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n");
            }
            Kind::LvmThin if st.id == "local-lvm" => {
                s.push_str("lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n");
            }
            Kind::Dir => {
                let _ = write!(
                    s,
                    "dir: {}\n\tpath {}\n\tcontent backup,images,rootdir\n\tis_mountpoint 1\n\tprune-backups keep-last=3\n\tshared 0\n",
                    st.id,
                    st.path.as_deref().unwrap_or_default()
                );
            }
            Kind::LvmThin => {
                let _ =
                    write!(s, "lvmthin: {}\n\tthinpool data\n\tvgname vg-{}\n\tcontent rootdir,images\n", st.id, st.id);
            }
            Kind::ZfsPool => {
                let _ = write!(
                    s,
                    "zfspool: {}\n\tpool tank/{}\n\tcontent images,rootdir\n\tmountpoint /{}\n\tsparse 1\n",
                    st.id, st.id, st.id
                );
            }
            Kind::Nfs => {
                let _ = write!(
                    s,
                    "nfs: {}\n\texport /export/{}\n\tpath {}\n\tserver 10.20.{}.{}\n\tcontent images,rootdir,backup,iso\n\toptions vers=4.2\n\tprune-backups keep-last=7,keep-weekly=4\n",
                    st.id,
                    st.id,
                    st.path.as_deref().unwrap_or_default(),
                    rng.below(250),
                    1 + rng.below(250)
                );
            }
            Kind::Pbs => {
                let fp: Vec<String> = (0..32).map(|_| rng.hex(2)).collect();
                let _ = write!(
                    s,
                    "pbs: {}\n\tdatastore ds-{}\n\tserver 10.30.{}.{}\n\tcontent backup\n\tfingerprint {}\n\tprune-backups keep-all=1\n\tusername backup@pbs\n",
                    st.id,
                    st.id,
                    rng.below(250),
                    1 + rng.below(250),
                    fp.join(":")
                );
            }
        }
        if let Some(list) = node_list(st) {
            let _ = writeln!(s, "\tnodes {list}");
        }
        if st.disabled {
            s.push_str("\tdisable\n");
        }
        s.push('\n');
    }
    s
}

/// A volume name as the storage type writes it.
fn volname(kind: Kind, ct: bool, owner: u32, disk: usize) -> String {
    match (kind, ct) {
        (Kind::ZfsPool, true) => format!("subvol-{owner}-disk-{disk}"),
        (Kind::Dir | Kind::Nfs, true) => format!("{owner}/vm-{owner}-disk-{disk}.raw"),
        (Kind::Dir | Kind::Nfs, false) => format!("{owner}/vm-{owner}-disk-{disk}.qcow2"),
        _ => format!("vm-{owner}-disk-{disk}"),
    }
}

const DESCRIPTIONS: &[&str] = &[
    "Managed by Ansible%3A do not edit by hand",
    "Owner%3A platform team <ops@example.com>",
    "## Service",
    "Runs the nightly ETL; restart after the upstream database is up.",
    "Ticket OPS-1234%3A resized the data disk",
    "<!-- deployer%3Amanaged -->",
];

const RAW_LXC: &[&str] = &[
    "lxc.cgroup2.devices.allow: c 226:0 rwm",
    "lxc.cgroup2.devices.allow: c 226:128 rwm",
    "lxc.mount.entry: /dev/dri dev/dri none bind,optional,create=dir",
    "lxc.apparmor.profile: unconfined",
    "lxc.cap.drop:",
    "lxc.environment.runtime: TZ=Europe/Berlin",
];

#[derive(Clone, Copy, Debug)]
enum Broken {
    UndefinedStorage,
    DisabledStorage,
    OtherNodeStorage,
    ForeignVolume,
    SharedVolume,
}

fn guest(
    rng: &mut Rng,
    vmid: u32,
    node: usize,
    ct: bool,
    storages: &[Stor],
    placed: &[(u32, usize, bool)],
    broken: bool,
) -> String {
    let usable: Vec<&Stor> = storages.iter().filter(|s| s.images && s.on(node)).collect();
    let mut s = String::with_capacity(1536);
    for _ in 0..rng.below(4) {
        let _ = writeln!(s, "#{}", rng.pick(DESCRIPTIONS));
    }
    let broken = broken.then(|| {
        *rng.pick(&[
            Broken::UndefinedStorage,
            Broken::DisabledStorage,
            Broken::OtherNodeStorage,
            Broken::ForeignVolume,
            Broken::SharedVolume,
        ])
    });
    // (key, storage id, volume name, extra options) of every disk, in key order.
    let mut disks: Vec<(String, String, String, String)> = Vec::new();
    let n_disks = 1 + rng.below(4);
    for d in 0..n_disks {
        let st = *rng.pick(&usable);
        let key = match (ct, d) {
            (true, 0) => "rootfs".to_string(),
            (true, d) => format!("mp{}", d - 1),
            (false, d) => format!("scsi{d}"),
        };
        let size = *rng.pick(&[4, 8, 16, 32, 64, 128, 500]);
        let opts = match (ct, d) {
            (true, 0) => format!(",size={size}G"),
            (true, d) => format!(",mp=/srv/data{d},{}size={size}G", if rng.chance(0.3) { "backup=1," } else { "" }),
            (false, _) => {
                format!(",{}discard=on,iothread=1,size={size}G", if rng.chance(0.15) { "backup=0," } else { "" })
            }
        };
        disks.push((key, st.id.clone(), volname(st.kind, ct, vmid, d), opts));
    }
    if let Some(b) = broken {
        let last = disks.len() - 1;
        let disk = &mut disks[last];
        match b {
            Broken::UndefinedStorage => disk.1 = format!("{}-old", disk.1),
            Broken::DisabledStorage => {
                if let Some(st) = storages.iter().find(|s| s.disabled && s.images) {
                    disk.1 = st.id.clone();
                }
            }
            Broken::OtherNodeStorage => {
                if let Some(st) = storages.iter().find(|s| s.images && !s.disabled && !s.on(node)) {
                    disk.1 = st.id.clone();
                }
            }
            Broken::ForeignVolume | Broken::SharedVolume => {
                let (other, _, _) = *rng.pick(placed);
                if other != vmid {
                    let kind = storages.iter().find(|s| s.id == disk.1).map_or(Kind::LvmThin, |s| s.kind);
                    let n = if matches!(b, Broken::SharedVolume) { 0 } else { 9 };
                    disk.2 = volname(kind, ct, other, n);
                }
            }
        }
    }
    let snaps = if rng.chance(0.3) { 1 + rng.below(3) } else { 0 };
    let snap_names: Vec<String> =
        (0..snaps).map(|i| format!("{}{}", rng.pick(&["pre-upgrade", "before-", "auto-daily-"]), i)).collect();
    let memory = *rng.pick(&[512, 1024, 2048, 4096, 8192, 16384]);
    let cores = 1 + rng.below(8);
    let mac = rng.mac();
    let (efi, iso) = (rng.chance(0.4), rng.chance(0.3));
    let body = |rng: &mut Rng, s: &mut String, parent: Option<&str>, snaptime: Option<u64>| {
        if ct {
            s.push_str("arch: amd64\n");
            let _ = writeln!(s, "cores: {cores}");
            if rng.chance(0.5) {
                s.push_str("features: keyctl=1,nesting=1\n");
            }
            let _ = writeln!(s, "hostname: ct{vmid}");
            let _ = writeln!(s, "memory: {memory}");
            for (k, st, v, o) in disks.iter().filter(|d| d.0 != "rootfs") {
                let _ = writeln!(s, "{k}: {st}:{v}{o}");
            }
            if rng.chance(0.2) {
                let _ = writeln!(s, "mp{}: /mnt/bindmounts/shared,mp=/shared", disks.len());
            }
            let _ = writeln!(
                s,
                "net0: name=eth0,bridge=vmbr0,firewall=1,hwaddr={mac},ip=10.{}.{}.{}/16,gw=10.{}.0.1,type=veth",
                vmid / 65536 % 256,
                vmid / 256 % 256,
                vmid % 256,
                vmid / 65536 % 256
            );
            s.push_str("onboot: 1\nostype: debian\n");
            if let Some(p) = parent {
                let _ = writeln!(s, "parent: {p}");
            }
            for (k, st, v, o) in disks.iter().filter(|d| d.0 == "rootfs") {
                let _ = writeln!(s, "{k}: {st}:{v}{o}");
            }
            if let Some(t) = snaptime {
                let _ = writeln!(s, "snaptime: {t}");
            }
            s.push_str("swap: 512\n");
            if rng.chance(0.4) {
                s.push_str("tags: prod;web\n");
            }
            s.push_str("unprivileged: 1\n");
        } else {
            s.push_str("agent: 1\nboot: order=scsi0;ide2;net0\n");
            let _ = writeln!(s, "cores: {cores}");
            s.push_str("cpu: x86-64-v2-AES\n");
            if efi {
                let st = &disks[0].1;
                let _ = writeln!(s, "efidisk0: {st}:vm-{vmid}-disk-9,efitype=4m,pre-enrolled-keys=1,size=4M");
            }
            if iso {
                s.push_str("ide2: local:iso/debian-12.7.0-amd64-netinst.iso,media=cdrom,size=631M\n");
            } else {
                s.push_str("ide2: none,media=cdrom\n");
            }
            s.push_str("machine: q35\n");
            let _ = writeln!(s, "memory: {memory}");
            let _ = writeln!(s, "meta: creation-qemu=9.0.2,ctime={}", 1_700_000_000 + rng.below(50_000_000));
            let _ = writeln!(s, "name: vm{vmid}");
            let _ = writeln!(s, "net0: virtio={mac},bridge=vmbr0,firewall=1");
            s.push_str("numa: 0\nostype: l26\n");
            if let Some(p) = parent {
                let _ = writeln!(s, "parent: {p}");
            }
            for (k, st, v, o) in &disks {
                let _ = writeln!(s, "{k}: {st}:{v}{o}");
            }
            s.push_str("scsihw: virtio-scsi-single\n");
            let _ = writeln!(s, "smbios1: uuid={}", rng.uuid());
            if let Some(t) = snaptime {
                let _ = writeln!(s, "snaptime: {t}");
            }
            s.push_str("sockets: 1\n");
            let _ = writeln!(s, "vmgenid: {}", rng.uuid());
        }
    };
    body(rng, &mut s, snap_names.last().map(String::as_str), None);
    if ct && rng.chance(0.3) {
        for _ in 0..1 + rng.below(3) {
            let _ = writeln!(s, "{}", rng.pick(RAW_LXC));
        }
    }
    if rng.chance(0.05) {
        s.push_str(if ct { "\n[pve:pending]\n" } else { "\n[PENDING]\n" });
        let _ = writeln!(s, "memory: {}", memory * 2);
        if ct {
            s.push_str("delete: swap\n");
        }
    }
    for (i, name) in snap_names.iter().enumerate() {
        let _ = write!(s, "\n[{name}]\n");
        let parent = i.checked_sub(1).map(|p| snap_names[p].as_str());
        let t = 1_700_000_000 + rng.below(50_000_000) as u64;
        body(rng, &mut s, parent, Some(t));
    }
    s
}

fn user_cfg(rng: &mut Rng, pools: usize, placed: &[(u32, usize, bool)]) -> String {
    let mut s = String::from(
        "user:root@pam:1:0:::root@example.com:::\nuser:backup@pve:1:0::::::\n\ngroup:admins:root@pam::\n\n",
    );
    for p in 0..pools {
        let mut ids: Vec<u32> = (0..1 + rng.below(20)).map(|_| rng.pick(placed).0).collect();
        ids.sort_unstable();
        ids.dedup();
        let ids: Vec<String> = ids.iter().map(u32::to_string).collect();
        let _ = writeln!(s, "pool:pool-{p}:team {p}:{}::", ids.join(","));
    }
    s.push_str("\nacl:1:/:root@pam:Administrator:\n");
    s
}

fn jobs_cfg(
    rng: &mut Rng,
    p: &Params,
    pools: usize,
    storages: &[Stor],
    nodes: &[String],
    placed: &[(u32, usize, bool)],
) -> String {
    let targets: Vec<&Stor> = storages.iter().filter(|s| s.backup && !s.disabled && s.nodes.is_none()).collect();
    let mut s = String::new();
    for j in 0..p.jobs {
        let _ = writeln!(s, "vzdump: backup-{}-{}", rng.hex(8), rng.hex(4));
        let sched = rng.pick(&["03:30", "sun 01:00", "mon..fri 22:00", "sat 02:15", "*/6:00", "21:00"]);
        let _ = writeln!(s, "\tschedule {sched}");
        if rng.chance(0.5) {
            let _ = writeln!(s, "\tcomment nightly backup {j}");
        }
        s.push_str("\tcompress zstd\n\tenabled 1\n\tmailnotification failure\n\tmode snapshot\n\tnotes-template {{guestname}}\n");
        if rng.chance(0.2) {
            let _ = writeln!(s, "\tnode {}", rng.pick(nodes));
        }
        match rng.below(4) {
            0 => s.push_str("\tall 1\n"),
            1 => {
                let _ = writeln!(s, "\tpool pool-{}", rng.below(pools));
            }
            2 => {
                let ids: Vec<String> = (0..1 + rng.below(5)).map(|_| rng.pick(placed).0.to_string()).collect();
                let _ = writeln!(s, "\texclude {}", ids.join(","));
            }
            _ => {
                let mut ids: Vec<u32> = (0..1 + rng.below(30)).map(|_| rng.pick(placed).0).collect();
                ids.sort_unstable();
                ids.dedup();
                let ids: Vec<String> = ids.iter().map(u32::to_string).collect();
                let _ = writeln!(s, "\tvmid {}", ids.join(","));
            }
        }
        s.push_str("\tprune-backups keep-daily=7,keep-last=3,keep-weekly=4\n");
        let target = if rng.chance(p.broken_share * 5.0) {
            rng.pick(&["local-lvm", "pbs-retired", "tank-1"]).to_string()
        } else if targets.is_empty() {
            "local".to_string()
        } else {
            rng.pick(&targets).id.clone()
        };
        let _ = write!(s, "\tstorage {target}\n\n");
    }
    s
}

const VZDUMP_HEAD: &str = "# vzdump default settings\n\n#tmpdir: DIR\n#dumpdir: DIR\n#storage: STORAGE_ID\n#mode: snapshot|suspend|stop\n#bwlimit: KBPS\n#performance: [max-workers=N][,pbs-entries-max=N]\n#ionice: PRI\n#lockwait: MINUTES\n#stopwait: MINUTES\n#stdexcludes: BOOLEAN\n#mailto: ADDRESSLIST\n#prune-backups: keep-INTERVAL=N[,...]\n#script: FILENAME\n#exclude-path: PATHLIST\n#pigz: N\n#notes-template: {{guestname}}\n#pbs-change-detection-mode: legacy|data|metadata\n#fleecing: enabled=BOOLEAN,storage=STORAGE_ID\n";

fn vzdump_conf(rng: &mut Rng, node: usize, storages: &[Stor], broken: bool) -> String {
    let mut s = String::from(VZDUMP_HEAD);
    if broken {
        // A tmpdir on a USB disk of another node, or under a removed NFS mount.
        match storages.iter().find(|st| st.kind == Kind::Dir && st.id != "local" && !st.on(node)) {
            Some(st) => {
                let _ = writeln!(s, "tmpdir: {}/vzdump-tmp", st.path.as_deref().unwrap_or_default());
            }
            None => s.push_str("tmpdir: /mnt/pve/nfs-retired/tmp\n"),
        }
    } else if rng.chance(0.5) {
        s.push_str("tmpdir: /var/tmp/vzdump\n");
    }
    if rng.chance(0.3) {
        s.push_str("bwlimit: 102400\nionice: 7\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_tree() {
        let p = Params::scaled(300, 7);
        let a = generate(&p);
        let b = generate(&p);
        assert_eq!(a.files, b.files);
        assert_eq!(a.vzdump_confs, b.vzdump_confs);
        let c = generate(&Params { seed: 8, ..p });
        assert_ne!(a.files, c.files);
    }

    #[test]
    fn counts_and_shapes() {
        let p = Params { nodes: 3, guests: 200, storages: 12, jobs: 5, broken_share: 0.1, seed: 1 };
        let g = generate(&p);
        let guests = g.files.iter().filter(|(p, _)| p.starts_with("nodes/")).count();
        assert_eq!(guests, 200);
        assert_eq!(g.vzdump_confs.len(), 3);
        let storage = &g.files.iter().find(|(p, _)| p == "storage.cfg").unwrap().1;
        assert_eq!(storage.lines().filter(|l| !l.is_empty() && !l.starts_with('\t')).count(), 12);
        let jobs = &g.files.iter().find(|(p, _)| p == "jobs.cfg").unwrap().1;
        assert_eq!(jobs.matches("vzdump: ").count(), 5);
        let all: String = g.files.iter().map(|(_, t)| t.as_str()).collect();
        assert!(all.contains("[pve:pending]"));
        assert!(all.contains("lxc.cgroup2") || all.contains("lxc.mount") || all.contains("lxc.apparmor"));
        assert!(all.contains("\nsnaptime: "));
        assert!(all.contains("\n#"));
    }
}
