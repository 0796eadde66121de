//! `pvelint facts`: one node's facts (`pvelint_parse::facts::Facts`), read from the files
//! below a root directory (`/` on a live node, a fake root in tests). It reads only,
//! runs no other program but itself (the probe child, `probe.rs`), needs no network, and
//! never opens anything under `etc/pve/priv`. Sources and bounds: `docs/facts.md`.

pub mod collect;
pub mod probe;
pub mod sources;

use crate::discover;
use probe::{Outcome, Prober, Task};
use pvelint_parse::facts::{self, Facts, LvmVolume, PathFact, PathState, PathUse, PciDevice, UsbDevice, ZfsPool};
use pvelint_parse::guest::VolumeTarget;
use pvelint_parse::storage::StorageType;
use pvelint_parse::Tree;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// At most this many bytes of one source file are read.
const MAX_SOURCE: u64 = 16 * 1024 * 1024;
/// `var/lib/dpkg/status` is read line by line, up to this many bytes.
const MAX_DPKG: u64 = 256 * 1024 * 1024;
/// At most this many entries of one directory listing (`proc`, `sys/bus/pci/devices`…).
const MAX_ENTRIES: usize = 100_000;
/// At most this many stuck processes and problems are recorded.
const MAX_RECORDS: usize = 200;

/// Collects the facts of the node below `root`.
pub fn collect(root: &Path, prober: &Prober) -> Result<Facts, String> {
    let mut c = Collector { root: root.to_path_buf(), problems: Vec::new() };
    let hostname = c.hostname();
    let tree = c.config_tree(hostname.as_deref());
    let node = hostname.or_else(|| tree.as_ref().and_then(|t| t.local_node.clone())).ok_or_else(|| {
        format!(
            "cannot tell this node's name: {} has no usable etc/hostname and etc/pve has no `local` link or .members",
            root.display()
        )
    })?;
    let mut f = Facts { version: facts::VERSION, node, ..Facts::default() };
    f.pve_version = c.pve_version();
    f.cpus = c.read("sys/devices/system/cpu/online").and_then(|t| sources::cpu_count(&t));
    f.memory_bytes = c.read("proc/meminfo").and_then(|t| sources::mem_total(&t));
    f.mounts = c.read("proc/self/mountinfo").map(|t| sources::mountinfo(&t)).unwrap_or_default();
    f.zfs_pools = c.zfs_pools();
    f.lvm = c.lvm();
    f.bridges = c.bridges();
    f.pci_devices = c.pci();
    f.usb_devices = c.usb();
    f.stuck_processes = c.stuck_processes(prober);
    if let Some(tree) = &tree {
        f.paths = c.paths(tree, &f, prober);
    }
    f.sort();
    c.problems.sort();
    c.problems.dedup();
    c.problems.truncate(MAX_RECORDS);
    f.problems = c.problems;
    Ok(f)
}

struct Collector {
    root: PathBuf,
    problems: Vec<String>,
}

impl Collector {
    fn at(&self, rel: &str) -> PathBuf {
        self.root.join(rel.trim_start_matches('/'))
    }

    /// A source file's text (bounded); a missing file is simply absent, another error is
    /// a problem.
    fn read(&mut self, rel: &str) -> Option<String> {
        let path = self.at(rel);
        let mut buf = Vec::new();
        match std::fs::File::open(&path).and_then(|f| f.take(MAX_SOURCE).read_to_end(&mut buf)) {
            Ok(_) => Some(String::from_utf8_lossy(&buf).into_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                self.problems.push(format!("{rel}: {}", e.kind()));
                None
            }
        }
    }

    /// The names in a directory, sorted, bounded; a missing directory gives none.
    fn list(&mut self, rel: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.at(rel)) else { return Vec::new() };
        let mut names: Vec<String> =
            entries.flatten().take(MAX_ENTRIES).filter_map(|e| e.file_name().to_str().map(String::from)).collect();
        if names.len() == MAX_ENTRIES {
            self.problems.push(format!("{rel}: more than {MAX_ENTRIES} entries, the rest was not read"));
        }
        names.sort();
        names
    }

    /// The configuration below the root (`etc/pve`), read as `pvelint check` reads it (no
    /// links followed, `priv/` never opened), with `etc/vzdump.conf` attached to `node`
    /// (the host name; else the tree's local node).
    fn config_tree(&mut self, node: Option<&str>) -> Option<Tree> {
        let Some(mut layout) = discover::find_layout(&self.root).filter(|l| l.prefix == "etc/pve/") else {
            self.problems.push("etc/pve: no Proxmox configuration, so no configured path was probed".into());
            return None;
        };
        let conf = layout.vzdump_conf.take();
        let (mut input, _notes) = discover::read_tree(&layout);
        let node = node.map(String::from).or_else(|| input.local_node.clone());
        if let (Some(node), Some((path, display))) = (&node, conf) {
            input.vzdump_confs.push((node.clone(), discover::read_file(&path, display)));
        }
        input.local_node = node;
        Some(pvelint_parse::load(input))
    }

    /// The first label of `etc/hostname`, if it is a valid node name.
    fn hostname(&mut self) -> Option<String> {
        self.read("etc/hostname")
            .and_then(|t| t.lines().next().map(|l| l.trim().split('.').next().unwrap_or_default().to_string()))
            .filter(|n| pvelint_parse::text::valid_node_name(n))
    }

    fn pve_version(&mut self) -> Option<String> {
        let path = self.at("var/lib/dpkg/status");
        let file = std::fs::File::open(path).ok()?;
        let mut scan = sources::DpkgScan::new();
        let mut reader = BufReader::new(file.take(MAX_DPKG));
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line).ok()? > 0 {
            scan.line(&String::from_utf8_lossy(&line));
            line.clear();
        }
        scan.finish()
    }

    fn zfs_pools(&mut self) -> Vec<ZfsPool> {
        let mut out = Vec::new();
        for name in self.list("proc/spl/kstat/zfs") {
            let rel = format!("proc/spl/kstat/zfs/{name}");
            if !self.at(&rel).is_dir() {
                continue; // arcstats, dbufstats…: module-wide statistics, not pools
            }
            let state = self.read(&format!("{rel}/state")).map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            out.push(ZfsPool { name, state });
        }
        out
    }

    fn lvm(&mut self) -> Vec<LvmVolume> {
        let mut out = Vec::new();
        for dev in self.list("sys/block").into_iter().filter(|d| d.starts_with("dm-")) {
            let Some(name) = self.read(&format!("sys/block/{dev}/dm/name")) else { continue };
            let dm_name = name.trim().to_string();
            if dm_name.is_empty() {
                continue;
            }
            let (vg, lv) = facts::split_dm_name(&dm_name).map_or((None, None), |(v, l)| (Some(v), Some(l)));
            out.push(LvmVolume { dm_name, vg, lv });
        }
        out.sort();
        out
    }

    fn bridges(&mut self) -> Vec<String> {
        let names = self.list("sys/class/net");
        names.into_iter().filter(|n| self.at(&format!("sys/class/net/{n}/bridge")).is_dir()).collect()
    }

    fn pci(&mut self) -> Vec<PciDevice> {
        let mut out = Vec::new();
        for address in self.list("sys/bus/pci/devices") {
            let id = |c: &mut Self, f: &str| {
                c.read(&format!("sys/bus/pci/devices/{address}/{f}"))
                    .map(|s| s.trim().trim_start_matches("0x").to_ascii_lowercase())
                    .filter(|s| !s.is_empty())
            };
            let (vendor, device) = (id(self, "vendor"), id(self, "device"));
            out.push(PciDevice { address, vendor, device });
        }
        out
    }

    fn usb(&mut self) -> Vec<UsbDevice> {
        let mut out = Vec::new();
        for port in self.list("sys/bus/usb/devices") {
            let base = format!("sys/bus/usb/devices/{port}");
            let (Some(v), Some(p)) = (self.read(&format!("{base}/idVendor")), self.read(&format!("{base}/idProduct")))
            else {
                continue;
            };
            out.push(UsbDevice { port, vendor: v.trim().to_ascii_lowercase(), product: p.trim().to_ascii_lowercase() });
        }
        out
    }

    /// Processes in D state that belong to backup or storage tools. `stat` is read here;
    /// the command line through the probe (reading it can block on the stuck process).
    fn stuck_processes(&mut self, prober: &Prober) -> Vec<facts::StuckProcess> {
        let mut stuck: Vec<(u32, String)> = Vec::new();
        for name in self.list("proc") {
            let Ok(pid) = name.parse::<u32>() else { continue };
            let Some(stat) = self.read(&format!("proc/{pid}/stat")) else { continue };
            if let Some((comm, 'D')) = sources::proc_stat(&stat) {
                if sources::is_storage_tool(&comm) && stuck.len() < MAX_RECORDS {
                    stuck.push((pid, comm));
                }
            }
        }
        let tasks: Vec<Task> =
            stuck.iter().map(|(pid, _)| Task::Cmdline(self.at(&format!("proc/{pid}/cmdline")))).collect();
        let outcomes = prober.run(&tasks);
        let mut out: Vec<facts::StuckProcess> = stuck
            .into_iter()
            .zip(outcomes)
            .map(|((pid, command), o)| {
                let cmdline = match o {
                    Outcome::Done(r) => r.cmdline.unwrap_or_default(),
                    Outcome::Hung => "(reading the command line hung)".into(),
                    Outcome::Failed(_) => String::new(),
                };
                facts::StuckProcess { pid, command, cmdline }
            })
            .collect();
        out.sort();
        out
    }

    /// Every path the configuration makes this node depend on, probed.
    fn paths(&mut self, tree: &Tree, f: &Facts, prober: &Prober) -> Vec<PathFact> {
        let wanted = config_paths(tree, &f.node);
        let tasks: Vec<Task> = wanted.keys().map(|p| Task::Path(self.at(p))).collect();
        let outcomes = prober.run(&tasks);
        wanted
            .into_iter()
            .zip(outcomes)
            .map(|((path, uses), outcome)| {
                let mut fact = PathFact {
                    state: PathState::Error,
                    used_by: uses.into_iter().collect(),
                    is_dir: None,
                    mount_point: f.mount_of(&path).map(|m| m.mount_point.clone()),
                    is_mount_point: Some(f.is_mount_point(&path)),
                    free_bytes_at_least: None,
                    path,
                };
                match outcome {
                    Outcome::Done(r) => {
                        fact.state = match r.state.as_str() {
                            "present" => PathState::Present,
                            "missing" => PathState::Missing,
                            _ => PathState::Error,
                        };
                        fact.is_dir = r.is_dir;
                        fact.free_bytes_at_least = r.free.map(sources::round_free);
                    }
                    Outcome::Hung => fact.state = PathState::Hung,
                    Outcome::Failed(why) => self.problems.push(format!("{}: {why}", fact.path)),
                }
                fact
            })
            .collect()
    }
}

/// `pvelint facts [--root DIR] [-o FILE] [--probe-timeout-ms N] [--schema]`.
#[derive(clap::Args, Debug)]
pub struct FactsArgs {
    /// Read every source below DIR instead of `/` (a copy, or a fake root for tests).
    #[arg(long, default_value = "/")]
    pub root: PathBuf,
    /// Write the facts to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// How long a path probe may take before the path counts as hung, in milliseconds.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(10..=600_000))]
    pub probe_timeout_ms: u64,
    /// Print the JSON Schema of facts.json instead.
    #[arg(long)]
    pub schema: bool,
}

/// The facts as the file holds them: pretty JSON, one trailing newline.
pub fn to_json(f: &Facts) -> String {
    let mut s = serde_json::to_string_pretty(f).unwrap_or_default();
    s.push('\n');
    s
}

/// The JSON Schema of `facts.json`.
pub fn json_schema() -> String {
    let mut s = serde_json::to_string_pretty(&schemars::schema_for!(Facts)).unwrap_or_default();
    s.push('\n');
    s
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename,
/// so a reader never sees half a file.
pub fn write_atomic(path: &Path, text: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, text, None)
}

/// [`write_atomic`] with the permissions the new file gets before the rename (`--fix`
/// keeps a file's mode).
pub fn write_atomic_with(path: &Path, text: &[u8], permissions: Option<std::fs::Permissions>) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.pvelint-{}.tmp", std::process::id()));
    let result = (|| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(text)?;
        if let Some(p) = permissions {
            f.set_permissions(p)?;
        }
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Runs `pvelint facts`.
pub fn run(args: &FactsArgs, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    use crate::cli::{EXIT_CLEAN, EXIT_ERROR};
    if args.schema {
        return if out.write_all(json_schema().as_bytes()).is_ok() { EXIT_CLEAN } else { EXIT_ERROR };
    }
    if !args.root.is_dir() {
        let _ = writeln!(err, "pvelint: --root {}: not a directory", args.root.display());
        return EXIT_ERROR;
    }
    let prober = match Prober::current(std::time::Duration::from_millis(args.probe_timeout_ms)) {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(err, "pvelint: cannot find this executable to start the probe: {e}");
            return EXIT_ERROR;
        }
    };
    let facts = match collect(&args.root, &prober) {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(err, "pvelint: {e}");
            return EXIT_ERROR;
        }
    };
    let text = to_json(&facts);
    match &args.output {
        Some(path) => match write_atomic(path, text.as_bytes()) {
            Ok(()) => EXIT_CLEAN,
            Err(e) => {
                let _ = writeln!(err, "pvelint: cannot write {}: {e}", path.display());
                EXIT_ERROR
            }
        },
        None => {
            if out.write_all(text.as_bytes()).and_then(|()| out.flush()).is_ok() {
                EXIT_CLEAN
            } else {
                EXIT_ERROR
            }
        }
    }
}

/// When any node has facts: which nodes of the cluster have none (the `N…` rules say
/// nothing about those). `None` without facts.
pub fn coverage_note(tree: &Tree) -> Option<String> {
    if tree.facts.is_empty() {
        return None;
    }
    let mut nodes: BTreeSet<String> = tree.cluster_nodes().unwrap_or_default();
    nodes.extend(tree.node_dirs.iter().cloned());
    let without: Vec<&str> = nodes.iter().filter(|n| !tree.facts.contains_key(*n)).map(String::as_str).collect();
    let with: Vec<&str> = tree.facts.keys().map(String::as_str).collect();
    Some(if without.is_empty() {
        format!("facts of every node: {}", with.join(", "))
    } else {
        format!("facts of {}; none for {} (the N rules say nothing about them)", with.join(", "), without.join(", "))
    })
}

/// `is_mountpoint`: a boolean says whether `path` itself is the mount point; any other
/// value is the mount point's path (pve-storage `PVE::Storage::DirPlugin`, `path_is_mounted`
/// callers via `get_mountpoint`-style handling of the option).
fn is_mountpoint_path(value: &str, path: &str) -> Option<String> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "on" | "yes" | "true" => Some(path.to_string()),
        "0" | "off" | "no" | "false" => None,
        _ if value.starts_with('/') => Some(value.to_string()),
        _ => None,
    }
}

/// The paths the configuration makes `node` depend on, each with what uses it: the
/// directories of storages available on the node (dir/btrfs/network `path`, zfspool
/// `mountpoint`, `is_mountpoint`), the vzdump paths of the node's vzdump.conf and of the
/// backup jobs that run on it, the bind-mount sources of its containers.
pub fn config_paths(tree: &Tree, node: &str) -> BTreeMap<String, BTreeSet<PathUse>> {
    let mut out: BTreeMap<String, BTreeSet<PathUse>> = BTreeMap::new();
    let mut add = |path: &str, object: String, key: &str| {
        if path.starts_with('/') {
            let path = pvelint_parse::storage::canonpath(path);
            out.entry(path).or_default().insert(PathUse { object, key: key.to_string() });
        }
    };
    for s in tree.storage.iter().filter(|s| s.available_on(node)) {
        let object = format!("storage:{}", s.id);
        if let Some(p) = &s.path {
            add(&p.value, object.clone(), "path");
            if let Some(m) = s.is_mountpoint.as_ref().and_then(|v| is_mountpoint_path(&v.value, &p.value)) {
                add(&m, object.clone(), "is_mountpoint");
            }
        }
        if s.kind == StorageType::ZfsPool {
            if let Some(m) = &s.mountpoint {
                add(&m.value, object.clone(), "mountpoint");
            }
        }
    }
    let ctx = pvelint_rules::Context::new(tree);
    for vp in ctx.vzdump_paths() {
        if vp.nodes.binary_search_by(|n| n.as_str().cmp(node)).is_ok() {
            let object = if vp.object.starts_with("node:") { "vzdump.conf".to_string() } else { vp.object.clone() };
            add(&vp.value.value, object, vp.key);
        }
    }
    for v in ctx.volumes().filter(|v| v.guest.node == node && v.in_main()) {
        if let VolumeTarget::Bind(span) = &v.vol.target {
            add(v.str(*span), format!("guest:{}", v.guest.vmid), v.key());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_mountpoint_values() {
        assert_eq!(is_mountpoint_path("yes", "/mnt/usb"), Some("/mnt/usb".into()));
        assert_eq!(is_mountpoint_path("0", "/mnt/usb"), None);
        assert_eq!(is_mountpoint_path("/mnt", "/mnt/usb/dump"), Some("/mnt".into()));
    }
}
