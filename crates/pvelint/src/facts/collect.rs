//! `pvelint collect DEST`: one node's share of a cluster repository.
//!
//! ```text
//! DEST/pve/                     byte copy of /etc/pve: no priv/, no key material, no state
//! DEST/hosts/<node>/vzdump.conf this node's /etc/vzdump.conf
//! DEST/hosts/<node>/facts.json  this node's facts
//! ```
//!
//! Every file is written atomically and only when its bytes change; files that left
//! `/etc/pve` leave `DEST/pve/` too, and nothing else is left behind, so a second run on
//! an unchanged node changes nothing. Links are never followed: the `local`, `lxc`,
//! `qemu-server` and `openvz` links of pmxcfs are copied as links; any other link is
//! skipped.

use super::{collect as collect_facts, probe::Prober, to_json, write_atomic};
use crate::discover;
use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// `pvelint collect DEST [--root DIR]`.
#[derive(clap::Args, Debug)]
pub struct CollectArgs {
    /// The repository directory to write (created if missing). Never inside /etc/pve.
    pub dest: PathBuf,
    /// Read every source below DIR instead of `/`.
    #[arg(long, default_value = "/")]
    pub root: PathBuf,
    /// How long a path probe may take before the path counts as hung, in milliseconds.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(10..=600_000))]
    pub probe_timeout_ms: u64,
}

/// The virtual files of pmxcfs (pve-cluster `src/pmxcfs/pmxcfs.c`, `cfs_plug_func_new`):
/// status generated on every read, not configuration.
const PMXCFS_STATUS: &[&str] = &[".version", ".members", ".vmlist", ".rrd", ".clusterlog", ".debug"];

/// The links pmxcfs makes to `nodes/<this node>/…` (same source, `cfs_plug_link_new`).
const PMXCFS_LINKS: &[&str] = &["local", "qemu-server", "openvz", "lxc"];

/// Why a file of `/etc/pve` is not copied, or `None` to copy it. `rel` is relative to
/// `/etc/pve`.
pub fn excluded(rel: &str) -> Option<&'static str> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if rel == "priv" || rel.starts_with("priv/") {
        return Some("priv/ is never read");
    }
    if PMXCFS_STATUS.contains(&rel) {
        return Some("a status file pmxcfs generates");
    }
    // Written by the HA stack by itself (pve-ha-manager `PVE::HA::Env::PVE2`:
    // `write_manager_status`, `write_lrm_status`, `queue_crm_commands`).
    if rel == "ha/manager_status" || rel == "ha/crm_commands" {
        return Some("state the HA manager rewrites");
    }
    if rel.starts_with("nodes/") && (name == "lrm_status" || name.starts_with("lrm_status.tmp")) {
        return Some("state the HA manager rewrites");
    }
    // Private keys outside priv/ (pve-cluster `PVE::Cluster` / pve-manager `PVE::CertHelpers`).
    if rel == "pve-www.key" || name == "pve-ssl.key" || name == "pveproxy-ssl.key" || name.ends_with(".key") {
        return Some("a private key");
    }
    None
}

/// Whether the bytes hold a PEM or OpenSSH private key.
pub fn holds_private_key(bytes: &[u8]) -> bool {
    let needle = b"PRIVATE KEY-----";
    bytes.windows(needle.len()).any(|w| w == needle)
}

/// What a run did, for the summary on standard error.
#[derive(Debug, Default)]
pub struct Report {
    pub written: Vec<String>,
    pub removed: Vec<String>,
    pub skipped: Vec<(String, String)>,
}

pub fn run(args: &CollectArgs, err: &mut dyn Write) -> i32 {
    use crate::cli::{EXIT_CLEAN, EXIT_ERROR};
    match collect(args) {
        Ok(report) => {
            let _ = writeln!(
                err,
                "pvelint collect: {} written, {} removed, {} skipped",
                report.written.len(),
                report.removed.len(),
                report.skipped.len()
            );
            for (path, why) in &report.skipped {
                let _ = writeln!(err, "  skipped {path}: {why}");
            }
            EXIT_CLEAN
        }
        Err(e) => {
            let _ = writeln!(err, "pvelint collect: {e}");
            EXIT_ERROR
        }
    }
}

/// The nearest existing ancestor of `p`, canonical, with the rest appended.
fn resolve(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    let mut cur = abs.as_path();
    loop {
        if let Ok(c) = fs::canonicalize(cur) {
            let mut out = c;
            for r in rest.iter().rev() {
                out.push(r);
            }
            return out;
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                cur = parent;
            }
            _ => return abs,
        }
    }
}

pub fn collect(args: &CollectArgs) -> Result<Report, String> {
    let pve = args.root.join("etc/pve");
    if !fs::symlink_metadata(&pve).is_ok_and(|m| m.is_dir()) {
        return Err(format!("{}: no /etc/pve to copy", pve.display()));
    }
    if args.dest.components().any(|c| c == Component::ParentDir) {
        return Err(format!("{}: DEST may not contain `..`", args.dest.display()));
    }
    let dest = resolve(&args.dest);
    let live = resolve(&pve);
    if dest.starts_with(&live) || dest.starts_with("/etc/pve") {
        return Err(format!("{}: DEST lies inside /etc/pve, which pvelint never writes", args.dest.display()));
    }
    for sub in ["", "pve", "hosts"] {
        let p = args.dest.join(sub);
        if fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!("{}: is a symbolic link; pvelint does not write through links", p.display()));
        }
    }
    let prober = Prober::current(std::time::Duration::from_millis(args.probe_timeout_ms))
        .map_err(|e| format!("cannot find this executable to start the probe: {e}"))?;
    let facts = collect_facts(&args.root, &prober)?;
    let mut report = Report::default();
    let out_pve = args.dest.join("pve");
    fs::create_dir_all(&out_pve).map_err(|e| format!("{}: {e}", out_pve.display()))?;

    let mut keep: BTreeSet<String> = BTreeSet::new();
    let walker = walkdir::WalkDir::new(&pve)
        .follow_links(false)
        .max_depth(8)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || e.file_name() != "priv");
    for entry in walker {
        let Ok(entry) = entry else { continue };
        let Some(rel) = entry.path().strip_prefix(&pve).ok().and_then(|r| r.to_str()).map(String::from) else {
            continue;
        };
        if rel.is_empty() {
            continue;
        }
        let ft = entry.file_type();
        if ft.is_dir() {
            keep.insert(rel);
            continue;
        }
        if let Some(why) = excluded(&rel) {
            if !PMXCFS_STATUS.contains(&rel.as_str()) && !rel.starts_with("priv") {
                report.skipped.push((rel, why.to_string()));
            }
            continue;
        }
        let target = out_pve.join(&rel);
        if ft.is_symlink() {
            let link = fs::read_link(entry.path()).ok();
            let ok = PMXCFS_LINKS.contains(&rel.as_str())
                && link.as_ref().and_then(|l| l.to_str()).is_some_and(|l| {
                    l.strip_prefix("nodes/")
                        .is_some_and(|n| pvelint_parse::text::valid_node_name(n.split('/').next().unwrap_or("")))
                });
            match (ok, link) {
                (true, Some(link)) => {
                    if fs::read_link(&target).ok().as_ref() != Some(&link) {
                        let _ = fs::remove_file(&target);
                        make_parent(&target)?;
                        symlink(&link, &target).map_err(|e| format!("{}: {e}", target.display()))?;
                        report.written.push(format!("pve/{rel}"));
                    }
                    keep.insert(rel);
                }
                _ => report.skipped.push((rel, "a symbolic link pvelint does not follow".into())),
            }
            continue;
        }
        if !ft.is_file() {
            report.skipped.push((rel, "not a regular file".into()));
            continue;
        }
        let file = discover::read_file(entry.path(), rel.clone());
        if let Some(e) = &file.error {
            report.skipped.push((rel, e.clone()));
            continue;
        }
        if file.truncated_size.is_some() {
            report.skipped.push((rel, "larger than pvelint reads".into()));
            continue;
        }
        if holds_private_key(&file.bytes) {
            report.skipped.push((rel, "it holds a private key".into()));
            continue;
        }
        if write_if_changed(&target, &file.bytes)? {
            report.written.push(format!("pve/{rel}"));
        }
        keep.insert(rel);
    }
    remove_stale(&out_pve, &keep, &mut report);

    let host = args.dest.join("hosts").join(&facts.node);
    let conf = discover::read_file(&args.root.join("etc/vzdump.conf"), "etc/vzdump.conf".into());
    let conf_dest = host.join("vzdump.conf");
    if conf.error.is_none() && conf.truncated_size.is_none() {
        if write_if_changed(&conf_dest, &conf.bytes)? {
            report.written.push(format!("hosts/{}/vzdump.conf", facts.node));
        }
    } else if fs::remove_file(&conf_dest).is_ok() {
        report.removed.push(format!("hosts/{}/vzdump.conf", facts.node));
    }
    if write_if_changed(&host.join("facts.json"), to_json(&facts).as_bytes())? {
        report.written.push(format!("hosts/{}/facts.json", facts.node));
    }
    Ok(report)
}

fn make_parent(p: &Path) -> Result<(), String> {
    match p.parent() {
        Some(d) => fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display())),
        None => Ok(()),
    }
}

/// Writes atomically unless the file already holds these bytes. Returns whether it wrote.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, String> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) && fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    make_parent(path)?;
    if fs::symlink_metadata(path).is_ok_and(|m| !m.is_file()) {
        let _ = fs::remove_dir_all(path).or_else(|_| fs::remove_file(path));
    }
    write_atomic(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(true)
}

/// Removes what `DEST/pve` holds beyond `keep` (links are removed, never followed).
fn remove_stale(out_pve: &Path, keep: &BTreeSet<String>, report: &mut Report) {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let walker = walkdir::WalkDir::new(out_pve).follow_links(false).contents_first(true).sort_by_file_name();
    for entry in walker.into_iter().flatten() {
        let Some(rel) = entry.path().strip_prefix(out_pve).ok().and_then(|r| r.to_str()).map(String::from) else {
            continue;
        };
        if rel.is_empty() || keep.contains(&rel) {
            continue;
        }
        if entry.file_type().is_dir() {
            dirs.push(entry.into_path());
        } else if fs::remove_file(entry.path()).is_ok() {
            report.removed.push(format!("pve/{rel}"));
        }
    }
    for d in dirs {
        let _ = fs::remove_dir(d);
    }
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("symbolic links need a Unix system"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_and_keys_are_excluded_config_is_not() {
        for rel in [
            "priv/authkey.key",
            ".version",
            ".members",
            ".clusterlog",
            "ha/manager_status",
            "nodes/pve1/lrm_status",
            "pve-www.key",
            "nodes/pve1/pve-ssl.key",
            "nodes/pve1/pveproxy-ssl.key",
        ] {
            assert!(excluded(rel).is_some(), "{rel}");
        }
        for rel in
            ["storage.cfg", "ha/resources.cfg", "nodes/pve1/qemu-server/100.conf", "authkey.pub", "pve-root-ca.pem"]
        {
            assert_eq!(excluded(rel), None, "{rel}");
        }
        assert!(holds_private_key(b"x\n-----BEGIN OPENSSH PRIVATE KEY-----\n"));
        assert!(!holds_private_key(b"-----BEGIN CERTIFICATE-----\n"));
    }
}
