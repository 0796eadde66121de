//! Node facts: what one node really has (mounts, imported ZFS pools, LVM volumes, bridges,
//! devices, CPUs, memory, the Proxmox version, processes stuck in the kernel, and the
//! state of every path its configuration depends on), as `pvelint facts` writes it
//! (`facts.json`, schema version [`VERSION`]). `docs/facts.md` documents each field and
//! its source; `pvelint facts --schema` prints the JSON Schema.
//!
//! Every list is sorted and every value is stable between two runs on an unchanged node:
//! no timestamps, no mount IDs, free space in power-of-two steps.

use crate::diag::Diagnostic;
use crate::source::SourceFile;
use crate::span::{FileId, Span};
use crate::syntax;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The schema version this build writes and reads.
pub const VERSION: u32 = 1;

/// The facts of one node (schema version 1: minor releases of pvelint only add optional
/// fields; a field is removed or changes meaning only with a new `version`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "pvelint node facts (facts.json)")]
pub struct Facts {
    /// Schema version; this build reads version 1.
    pub version: u32,
    /// The node name (`etc/hostname`, first label).
    pub node: String,
    /// `pve-manager`'s version (`var/lib/dpkg/status`), e.g. `8.2.4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pve_version: Option<String>,
    /// Online CPUs (`sys/devices/system/cpu/online`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<u32>,
    /// `MemTotal` of `proc/meminfo`, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    /// Mounted file systems, pseudo file systems left out, by mount point.
    #[serde(default)]
    pub mounts: Vec<Mount>,
    /// Imported ZFS pools (`proc/spl/kstat/zfs/<pool>`).
    #[serde(default)]
    pub zfs_pools: Vec<ZfsPool>,
    /// Device-mapper volumes (`sys/block/dm-*/dm/name`), with VG and LV where the name
    /// is an LVM name.
    #[serde(default)]
    pub lvm: Vec<LvmVolume>,
    /// Network bridges (`sys/class/net/<name>/bridge`).
    #[serde(default)]
    pub bridges: Vec<String>,
    /// PCI devices (`sys/bus/pci/devices`).
    #[serde(default)]
    pub pci_devices: Vec<PciDevice>,
    /// USB devices (`sys/bus/usb/devices/*/idVendor`, `idProduct`).
    #[serde(default)]
    pub usb_devices: Vec<UsbDevice>,
    /// Processes in uninterruptible sleep (state `D`) that belong to backup or storage
    /// tools.
    #[serde(default)]
    pub stuck_processes: Vec<StuckProcess>,
    /// Every path the node's configuration depends on, and its state.
    #[serde(default)]
    pub paths: Vec<PathFact>,
    /// Sources that could not be read, one line each (bounded).
    #[serde(default)]
    pub problems: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mount {
    pub mount_point: String,
    /// The mount source: a device, a dataset (`tank/data`), a share (`nas:/export`).
    pub source: String,
    pub fstype: String,
    /// For bind mounts: the directory of the source file system that is mounted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZfsPool {
    pub name: String,
    /// `ONLINE`, `DEGRADED`, `SUSPENDED`, … where the kernel module reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LvmVolume {
    /// The device-mapper name (`pve-data`, `vg--a-lv`).
    pub dm_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lv: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PciDevice {
    /// `0000:01:00.0`.
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsbDevice {
    /// The sysfs name: `1-1.2` (bus-port).
    pub port: String,
    /// `idVendor`, four hex digits.
    pub vendor: String,
    /// `idProduct`, four hex digits.
    pub product: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StuckProcess {
    pub pid: u32,
    /// The command name (`comm`).
    pub command: String,
    /// The command line, arguments separated by spaces, at most 256 characters.
    pub cmdline: String,
}

/// Why the configuration makes the node depend on a path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathUse {
    /// `storage:<id>`, `vzdump.conf`, `guest:<vmid>`.
    pub object: String,
    /// `path`, `is_mountpoint`, `mountpoint`, `tmpdir`, `dumpdir`, `script`, `mp0`, …
    pub key: String,
}

/// What a probe of a path found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PathState {
    /// It exists.
    Present,
    /// It does not exist.
    Missing,
    /// The probe did not return within the bound (a dead NFS server, a pulled disk).
    Hung,
    /// It could not be examined (permission, I/O error).
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathFact {
    pub path: String,
    pub state: PathState,
    #[serde(default)]
    pub used_by: Vec<PathUse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_dir: Option<bool>,
    /// The mount point of the file system that holds the path (from `mounts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_point: Option<String>,
    /// Whether the path itself is a mount point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_mount_point: Option<bool>,
    /// Free space, rounded down to a power of two bytes (so it changes rarely).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_bytes_at_least: Option<u64>,
}

impl Facts {
    /// Puts every list in the order the lookups below rely on (the collector writes them
    /// so; a hand-written file may not): mounts by mount point, pools by name, LVM
    /// volumes by VG and LV, devices by address or port, bridges and paths by name.
    pub fn sort(&mut self) {
        self.mounts.sort();
        self.zfs_pools.sort();
        self.lvm.sort_by(|a, b| (&a.vg, &a.lv, &a.dm_name).cmp(&(&b.vg, &b.lv, &b.dm_name)));
        self.bridges.sort();
        self.pci_devices.sort();
        self.usb_devices.sort();
        self.stuck_processes.sort();
        self.paths.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// Whether a file system is mounted exactly at `path`.
    pub fn is_mount_point(&self, path: &str) -> bool {
        self.mounts.binary_search_by(|m| m.mount_point.as_str().cmp(path)).is_ok()
    }

    /// The mount whose mount point is the longest prefix of `path`: the path itself, then
    /// each parent, looked up (mounts sorted by mount point).
    pub fn mount_of(&self, path: &str) -> Option<&Mount> {
        let mut p = path;
        loop {
            let probe = if p.is_empty() { "/" } else { p };
            let i = self.mounts.partition_point(|m| m.mount_point.as_str() < probe);
            if let Some(m) = self.mounts.get(i).filter(|m| m.mount_point == probe) {
                return Some(m);
            }
            if probe == "/" {
                return None;
            }
            p = &p[..p.rfind('/')?];
        }
    }

    pub fn has_pool(&self, pool: &str) -> bool {
        self.zfs_pools.binary_search_by(|p| p.name.as_str().cmp(pool)).is_ok()
    }

    /// Whether the thin pool `vg/pool` is active: a device-mapper volume of that VG whose
    /// LV is the pool or one of its parts (`data`, `data-tpool`, `data_tdata`).
    pub fn has_thin_pool(&self, vg: &str, pool: &str) -> bool {
        let start = self.lvm.partition_point(|l| l.vg.as_deref() < Some(vg));
        self.lvm[start..].iter().take_while(|l| l.vg.as_deref() == Some(vg)).any(|l| {
            l.lv.as_deref().is_some_and(|lv| {
                lv == pool || lv.strip_prefix(pool).is_some_and(|rest| rest.starts_with('-') || rest.starts_with('_'))
            })
        })
    }

    pub fn path(&self, path: &str) -> Option<&PathFact> {
        self.paths.binary_search_by(|p| p.path.as_str().cmp(path)).ok().map(|i| &self.paths[i])
    }
}

/// A node's facts in the tree, with the spans diagnostics point at: each list parallel
/// to its list in `facts` (a value not found in the text points at the file's start).
#[derive(Clone, Debug)]
pub struct NodeFacts {
    pub file: FileId,
    pub facts: Facts,
    /// The `"node"` value; the file's start when not found.
    pub node_span: Span,
    pub pve_version: Option<Span>,
    pub zfs_pools: Vec<Span>,
    pub stuck_processes: Vec<Span>,
    pub paths: Vec<Span>,
}

impl NodeFacts {
    /// The span of a path's entry, if the facts list it.
    pub fn path_span(&self, path: &str) -> Option<Span> {
        let i = self.facts.paths.binary_search_by(|p| p.path.as_str().cmp(path)).ok()?;
        self.paths.get(i).copied()
    }
}

/// Finds the spans of values in the text as `facts` serialises them, in order: one
/// forward pass; after the first value that is not found (a hand-edited file), the rest
/// point at the file's start.
struct Locator<'a> {
    file: &'a SourceFile,
    cursor: usize,
    lost: bool,
}

impl Locator<'_> {
    fn find(&mut self, key: &str, value: &str) -> Span {
        let fallback = self.file.span().at_start();
        if self.lost {
            return fallback;
        }
        let needle = format!("\"{key}\": {value}");
        match self.file.text.get(self.cursor..).and_then(|t| t.find(&needle)) {
            Some(i) => {
                let start = self.cursor + i + key.len() + 4;
                let end = start + value.len();
                self.cursor = end;
                Span::new(self.file.id, start, end)
            }
            None => {
                self.lost = true;
                fallback
            }
        }
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Reads a node's `facts.json` into the tree. `folder_node` is the node the file was
/// attached to (`hosts/<node>/`); a file that names another node is an error (P016).
pub fn load(file: &SourceFile, folder_node: Option<&str>, diags: &mut Vec<Diagnostic>) -> Option<NodeFacts> {
    let facts = match read(&file.text) {
        Ok(f) => f,
        Err(e) => {
            diags.push(
                syntax::INVALID_FACTS
                    .at(file.span().at_start(), format!("{} is not a facts file pvelint reads: it {e}", file.path))
                    .with_object("file"),
            );
            return None;
        }
    };
    let mut loc = Locator { file, cursor: 0, lost: false };
    let node_span = loc.find("node", &json_str(&facts.node));
    if !crate::text::valid_node_name(&facts.node) {
        diags.push(syntax::INVALID_FACTS.at(node_span, "the facts name no valid node").with_object("file"));
        return None;
    }
    if let Some(folder) = folder_node.filter(|f| *f != facts.node) {
        diags.push(
            syntax::INVALID_FACTS
                .at(
                    node_span,
                    format!(
                        "these are the facts of node '{}', but they sit in the folder of node '{folder}'",
                        facts.node
                    ),
                )
                .with_help("collect each node's facts into hosts/<its own name>/facts.json")
                .with_object(format!("node:{folder}")),
        );
        return None;
    }
    let pve_version = facts.pve_version.as_ref().map(|v| loc.find("pve_version", &json_str(v)));
    let pools: Vec<Span> = facts.zfs_pools.iter().map(|p| loc.find("name", &json_str(&p.name))).collect();
    let stuck: Vec<Span> = facts.stuck_processes.iter().map(|p| loc.find("pid", &p.pid.to_string())).collect();
    let paths: Vec<Span> = facts.paths.iter().map(|p| loc.find("path", &json_str(&p.path))).collect();
    // The lists in lookup order (`Facts::sort`), each span list following its list.
    let mut facts = facts;
    let (zfs_pools, zfs_pools_spans) = sorted_with(std::mem::take(&mut facts.zfs_pools), pools, |a, b| a.cmp(b));
    let (stuck_processes, stuck_spans) =
        sorted_with(std::mem::take(&mut facts.stuck_processes), stuck, |a, b| a.cmp(b));
    let (path_facts, path_spans) = sorted_with(std::mem::take(&mut facts.paths), paths, |a, b| a.path.cmp(&b.path));
    facts.zfs_pools = zfs_pools;
    facts.stuck_processes = stuck_processes;
    facts.paths = path_facts;
    facts.sort();
    Some(NodeFacts {
        file: file.id,
        facts,
        node_span,
        pve_version,
        zfs_pools: zfs_pools_spans,
        stuck_processes: stuck_spans,
        paths: path_spans,
    })
}

/// Sorts `items` by `cmp` and `spans` with them.
fn sorted_with<T>(items: Vec<T>, spans: Vec<Span>, cmp: impl Fn(&T, &T) -> std::cmp::Ordering) -> (Vec<T>, Vec<Span>) {
    let mut pairs: Vec<(T, Span)> = items.into_iter().zip(spans).collect();
    pairs.sort_by(|a, b| cmp(&a.0, &b.0));
    pairs.into_iter().unzip()
}

/// Reads `facts.json`. The error says where the text stops being facts of this schema.
pub fn read(text: &str) -> Result<Facts, String> {
    let facts: Facts = serde_json::from_str(text).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Io | serde_json::error::Category::Eof => "ends early",
            serde_json::error::Category::Syntax => "is not JSON",
            serde_json::error::Category::Data => "does not fit the schema",
        };
        // serde_json's messages name the field or the expected token, never a value.
        format!("{what} at line {} column {}: {}", e.line(), e.column(), data_message(&e))
    })?;
    if facts.version != VERSION {
        return Err(format!(
            "schema version {} is not supported (this pvelint reads version {VERSION})",
            facts.version
        ));
    }
    Ok(facts)
}

/// serde_json's message without its trailing position (given separately).
fn data_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

/// Splits a device-mapper name into VG and LV: `-` separates them, `--` is a `-`.
pub fn split_dm_name(name: &str) -> Option<(String, String)> {
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'-' {
            if b.get(i + 1) == Some(&b'-') {
                i += 2;
                continue;
            }
            let (vg, lv) = (&name[..i], &name[i + 1..]);
            if vg.is_empty() || lv.is_empty() {
                return None;
            }
            return Some((vg.replace("--", "-"), lv.replace("--", "-")));
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dm_names_split_at_a_single_dash() {
        assert_eq!(split_dm_name("pve-data"), Some(("pve".into(), "data".into())));
        assert_eq!(split_dm_name("vg--a-lv--b"), Some(("vg-a".into(), "lv-b".into())));
        assert_eq!(split_dm_name("pve-data-tpool"), Some(("pve".into(), "data-tpool".into())));
        assert_eq!(split_dm_name("crypt"), None);
        assert_eq!(split_dm_name("-x"), None);
    }

    #[test]
    fn read_round_trips_and_rejects_other_versions() {
        let f = Facts { version: 1, node: "pve1".into(), cpus: Some(4), ..Facts::default() };
        let text = serde_json::to_string(&f).unwrap();
        assert_eq!(read(&text).unwrap(), f);
        let err = read(&text.replace("\"version\":1", "\"version\":7")).unwrap_err();
        assert!(err.contains("version 7"), "{err}");
        let err = read("{\"version\":1,\"node\":\"a\",\"secret\":\"hunter2\"}").unwrap_err();
        assert!(err.starts_with("does not fit the schema at line 1"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(read("{\"version\":1,").unwrap_err().starts_with("ends early"));
    }

    #[test]
    fn load_points_at_values_and_checks_the_folder() {
        let f = Facts {
            version: 1,
            node: "pve1".into(),
            zfs_pools: vec![ZfsPool { name: "tank".into(), state: None }],
            paths: vec![PathFact {
                path: "/mnt/usb".into(),
                state: PathState::Hung,
                used_by: vec![],
                is_dir: None,
                mount_point: None,
                is_mount_point: None,
                free_bytes_at_least: None,
            }],
            ..Facts::default()
        };
        let text = serde_json::to_string_pretty(&f).unwrap();
        let file = SourceFile::new(FileId(0), "hosts/pve1/facts.json", text);
        let mut diags = Vec::new();
        let nf = load(&file, Some("pve1"), &mut diags).unwrap();
        assert!(diags.is_empty());
        assert_eq!(file.slice(nf.node_span), "\"pve1\"");
        assert_eq!(file.slice(nf.zfs_pools[0]), "\"tank\"");
        assert_eq!(file.slice(nf.path_span("/mnt/usb").unwrap()), "\"/mnt/usb\"");
        assert!(load(&file, Some("pve2"), &mut diags).is_none());
        assert_eq!(diags[0].code, "P016");
        assert!(diags[0].message.contains("folder of node 'pve2'"), "{}", diags[0].message);
        let bad = SourceFile::new(FileId(1), "x.json", "{\"version\": 1, \"node\": 3}".into());
        assert!(load(&bad, None, &mut diags).is_none());
        assert_eq!(diags.len(), 2);
    }

    #[test]
    fn mount_of_takes_the_longest_prefix() {
        let m = |p: &str| Mount { mount_point: p.into(), source: "x".into(), fstype: "zfs".into(), root: None };
        let f = Facts { mounts: vec![m("/"), m("/mnt"), m("/mnt/usb")], ..Facts::default() };
        assert_eq!(f.mount_of("/mnt/usb/dump").unwrap().mount_point, "/mnt/usb");
        assert_eq!(f.mount_of("/mnt/usbx").unwrap().mount_point, "/mnt");
        assert_eq!(f.mount_of("/etc").unwrap().mount_point, "/");
    }
}
