//! Finding and reading a cluster tree on disk. The only module that reads the tree.
//!
//! Rules of the road: symlinks are never followed (so `local`, `lxc`, `qemu-server` and
//! `openvz` never make a guest count twice; a copy that turned them into directories is
//! read as the local node's guests, and a config that repeats one under `nodes/` with
//! the same bytes is one guest), nothing under `priv/` is ever opened, only
//! regular files are read (a FIFO never blocks the run), and no file is read past
//! [`MAX_FILE_SIZE`]. The tree is never written.

use pvelint_parse::tree::{classify, MAX_FILE_SIZE};
use pvelint_parse::{InputFile, TreeInput};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where the pieces of a tree were found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The `/etc/pve` copy.
    pub pve: PathBuf,
    /// Display prefix of files under `pve` (`""`, `pve/` or `etc/pve/`).
    pub prefix: String,
    /// The local node's `/etc/vzdump.conf`, if the layout has one, with its display path.
    pub vzdump_conf: Option<(PathBuf, String)>,
    /// The local node named by the user (`--node`, `node:` in pvelint.yaml) and where:
    /// overrides what the tree says.
    pub node: Option<(String, String)>,
    /// `hosts/` beside `pve/` in a repository written by `pvelint collect`:
    /// `hosts/<node>/vzdump.conf` and `hosts/<node>/facts.json` belong to `<node>`.
    pub hosts: Option<PathBuf>,
}

/// Files that mark a directory as a copy of `/etc/pve`.
const MARKERS: &[&str] = &[
    "storage.cfg",
    "jobs.cfg",
    "corosync.conf",
    "datacenter.cfg",
    "user.cfg",
    "vzdump.cron",
    "replication.cfg",
    ".members",
    "nodes",
    "ha",
    "domains.cfg",
    "notifications.cfg",
    "status.cfg",
    "ceph.conf",
    "firewall",
    "sdn",
    "mapping",
    "virtual-guest",
    "priv",
    "authkey.pub",
    "pve-root-ca.pem",
    ".version",
    ".vmlist",
];

fn is_pve_dir(dir: &Path) -> bool {
    MARKERS.iter().any(|m| fs::symlink_metadata(dir.join(m)).is_ok()) || only_guest_dirs(dir)
}

/// A copy that kept only `lxc/` and `qemu-server/` (links of `/etc/pve` turned into
/// directories) is a tree too, unless the directory is itself a node's (`nodes/<n>/`,
/// `local/`), which holds the same sub-directories.
fn only_guest_dirs(dir: &Path) -> bool {
    let parent = dir.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str());
    let name = dir.file_name().and_then(|n| n.to_str());
    if parent == Some("nodes") || name == Some("local") {
        return false;
    }
    ["lxc", "qemu-server"].iter().any(|d| is_dir_no_follow(&dir.join(d)))
}

/// What was looked for, for the "no tree" message.
pub fn looked_for(path: &Path) -> String {
    format!(
        "no Proxmox configuration found in {}: looked for any of {}, lxc/, qemu-server/ in it, in {}/pve and in {}/etc/pve",
        path.display(),
        MARKERS.join(", "),
        path.display(),
        path.display()
    )
}

/// Recognises the three layouts: `/etc/pve`, `/etc` (with `pve/` and `vzdump.conf`), a
/// filesystem root (`etc/pve`, `etc/vzdump.conf`).
pub fn find_layout(path: &Path) -> Option<Layout> {
    if is_pve_dir(path) {
        return Some(Layout {
            pve: path.to_path_buf(),
            prefix: String::new(),
            vzdump_conf: None,
            node: None,
            hosts: None,
        });
    }
    for (sub, prefix, conf) in [("pve", "pve/", "vzdump.conf"), ("etc/pve", "etc/pve/", "etc/vzdump.conf")] {
        let pve = path.join(sub);
        if is_dir_no_follow(&pve) && is_pve_dir(&pve) {
            let c = path.join(conf);
            let vzdump_conf = fs::symlink_metadata(&c).is_ok().then(|| (c, conf.to_string()));
            let hosts = (sub == "pve" && is_dir_no_follow(&path.join("hosts"))).then(|| path.join("hosts"));
            return Some(Layout { pve, prefix: prefix.to_string(), vzdump_conf, node: None, hosts });
        }
    }
    None
}

fn is_dir_no_follow(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok_and(|m| m.is_dir())
}

/// Reads one file: only a regular file (no symlink, FIFO or device), at most
/// [`MAX_FILE_SIZE`] bytes.
///
/// On Unix the file is opened without following a link and without blocking
/// (`O_NOFOLLOW | O_NONBLOCK`: a FIFO or a device answers at once), and its type and size
/// come from the open file (`fstat`): one path lookup instead of two, and no window
/// between checking the path and opening it. Whatever is not a regular file is closed
/// unread. The tree walk does not even open entries it already sees are not regular
/// files.
pub fn read_file(path: &Path, display: String) -> InputFile {
    read_with(path, display, false)
}

/// Reads a file the caller named on the command line (`--config`, `--vzdump-conf`,
/// `--baseline`): a link is followed (it is the caller's choice), but the file must still
/// be a regular file of at most [`MAX_FILE_SIZE`] bytes, opened without blocking.
pub fn read_named_file(path: &Path, display: String) -> InputFile {
    read_with(path, display, true)
}

/// Reads `rel` below `base` for a configuration file found in the tree or its parents
/// (attacker-controlled: whoever can push to the repository writes it): `rel` must be
/// relative, without `..`, and no component of it may be a symbolic link; the file is
/// read like a file of the tree ([`read_file`]). `Err` says why the path is refused.
pub fn read_beneath(base: &Path, rel: &str, display: String) -> Result<InputFile, String> {
    check_beneath(rel)?;
    let mut dir = base.to_path_buf();
    let parts: Vec<&str> = rel.split('/').filter(|c| !c.is_empty() && *c != ".").collect();
    for part in parts.iter().take(parts.len().saturating_sub(1)) {
        dir.push(part);
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(format!("'{rel}' passes through a symbolic link ({part}), which is never followed"))
            }
            Ok(m) if !m.is_dir() => return Err(format!("'{rel}': {part} is not a directory")),
            Ok(_) => {}
            Err(e) => return Err(format!("'{rel}': {e}")),
        }
    }
    Ok(read_file(&base.join(rel), display))
}

/// Why a path named by a configuration file found in the tree is refused: absolute, or
/// with a `..` component (it must stay in the directory of that file).
pub fn check_beneath(rel: &str) -> Result<(), String> {
    let p = Path::new(rel);
    if rel.is_empty() {
        return Err("the path is empty".into());
    }
    if p.is_absolute() || rel.starts_with('/') || rel.starts_with('\\') || p.has_root() {
        return Err(format!(
            "'{rel}' is an absolute path; a configuration file found in the tree may only name files in its own directory or below"
        ));
    }
    if p.components().any(|c| matches!(c, std::path::Component::ParentDir | std::path::Component::Prefix(_))) {
        return Err(format!(
            "'{rel}' leaves the directory of the configuration file ('..'); a configuration file found in the tree may only name files in its own directory or below"
        ));
    }
    Ok(())
}

fn read_with(path: &Path, display: String, follow: bool) -> InputFile {
    let mut input = InputFile::new(display, Vec::new());
    let opened = if follow { open_following(path) } else { open_no_follow(path) };
    let file = match opened {
        Ok(f) => f,
        Err(e) if is_link_error(&e) => {
            input.error = Some("it is not a regular file (a symbolic link; pvelint never follows links)".into());
            return input;
        }
        Err(e) => {
            input.error = Some(e.to_string());
            return input;
        }
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => {
            input.error = Some(e.to_string());
            return input;
        }
    };
    if !meta.is_file() {
        input.error = Some("it is not a regular file".into());
        return input;
    }
    if meta.len() > MAX_FILE_SIZE as u64 {
        input.truncated_size = Some(meta.len());
        return input;
    }
    // Sized from the metadata: one read fills it, no regrowth (a file that grew since
    // still reads whole, up to the limit).
    let mut buf = Vec::with_capacity(meta.len() as usize + 1);
    match file.take(MAX_FILE_SIZE as u64 + 1).read_to_end(&mut buf) {
        Ok(n) if n > MAX_FILE_SIZE => input.truncated_size = Some(n as u64),
        Ok(_) => input.bytes = buf,
        Err(e) => input.error = Some(e.to_string()),
    }
    input
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path)
}

/// Opens a file, following links, without blocking on a FIFO or device.
#[cfg(unix)]
fn open_following(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)
}

#[cfg(not(unix))]
fn open_following(path: &Path) -> std::io::Result<fs::File> {
    if !fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other("it is not a regular file"));
    }
    fs::File::open(path)
}

/// Reads a whole text file outside the tree through [`read_with`]: a regular file of at
/// most [`MAX_FILE_SIZE`] bytes, valid UTF-8. Errors never quote the file's content.
pub fn read_text(path: &Path, follow: bool) -> Result<String, String> {
    let f = read_with(path, path.display().to_string(), follow);
    if let Some(e) = f.error {
        return Err(e);
    }
    if let Some(size) = f.truncated_size {
        return Err(format!("it is {size} bytes, over the limit of {MAX_FILE_SIZE}"));
    }
    String::from_utf8(f.bytes)
        .map_err(|e| format!("it is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()))
}

#[cfg(unix)]
fn is_link_error(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(libc::ELOOP)
}

/// Elsewhere: check the path first (never follow a link), then open it.
#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> std::io::Result<fs::File> {
    let meta = fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Err(std::io::Error::other("symbolic link"));
    }
    if !meta.is_file() {
        return Err(std::io::Error::other("it is not a regular file"));
    }
    fs::File::open(path)
}

#[cfg(not(unix))]
fn is_link_error(e: &std::io::Error) -> bool {
    e.to_string() == "symbolic link"
}

/// The local node and where it came from: the target of the `local` symlink
/// (`nodes/<name>`), else `nodename` of `.members`. (A one-node corosync.conf, the only
/// `nodes/` directory and top-level copies that match a node are tried while loading.)
fn local_node(pve: &Path) -> Option<(String, String)> {
    for link in ["local", "lxc", "qemu-server", "openvz"] {
        if let Ok(target) = fs::read_link(pve.join(link)) {
            // `local` → `nodes/<name>`, `lxc` → `nodes/<name>/lxc`.
            let target = if link == "local" { target.as_path() } else { target.parent().unwrap_or(Path::new("")) };
            if let Some(name) = target.file_name().and_then(|n| n.to_str()) {
                if pvelint_parse::text::valid_node_name(name) {
                    return Some((name.to_string(), format!("the `{link}` link")));
                }
            }
        }
    }
    let members = read_file(&pve.join(".members"), ".members".into());
    if members.error.is_none() && members.truncated_size.is_none() {
        let v: serde_json::Value = serde_json::from_slice(&members.bytes).ok()?;
        let name = v.get("nodename")?.as_str()?;
        if pvelint_parse::text::valid_node_name(name) {
            return Some((name.to_string(), ".members".into()));
        }
    }
    None
}

/// Reads every file pvelint knows from the tree at `layout`. The strings are notes for
/// the user about what could not be used.
pub fn read_tree(layout: &Layout) -> (TreeInput, Vec<String>) {
    let mut notes = Vec::new();
    let mut input = TreeInput { prefix: layout.prefix.clone(), ..TreeInput::default() };
    if let Some((node, source)) = layout.node.clone().or_else(|| local_node(&layout.pve)) {
        input.local_node = Some(node);
        input.local_node_source = Some(source);
    }
    let mut openvz = 0usize;
    let walker = walkdir::WalkDir::new(&layout.pve)
        .follow_links(false)
        .max_depth(4)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || e.file_name() != "priv");
    // Files to read once the walk is done: (index in input.files, path, display path).
    let mut pending: Vec<(usize, std::path::PathBuf, String)> = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let at = e.path().and_then(|p| p.strip_prefix(&layout.pve).ok()).map(|p| p.display().to_string());
                let reason = e.io_error().map_or_else(|| e.to_string(), |io| io.to_string());
                notes.push(format!("{} could not be listed: {reason}", at.as_deref().unwrap_or("a directory")));
                continue;
            }
        };
        let Ok(rel) = entry.path().strip_prefix(&layout.pve) else { continue };
        let Some(rel) = rel.to_str() else { continue };
        let rel = rel.replace(std::path::MAIN_SEPARATOR, "/");
        if entry.depth() == 2 && entry.file_type().is_dir() && rel.starts_with("nodes/") {
            if let Some(name) = rel.strip_prefix("nodes/") {
                input.node_dirs.push(name.to_string());
            }
        }
        if rel == "nodes" && !entry.file_type().is_dir() {
            notes.push("nodes is not a directory: no guest configs were read".into());
        }
        if classify(&rel).is_none() {
            let parts: Vec<&str> = rel.split('/').collect();
            if entry.file_type().is_file()
                && (matches!(parts.as_slice(), ["openvz", _] | ["local", "openvz", _] | ["nodes", _, "openvz", _]))
            {
                openvz += 1;
            }
            continue;
        }
        // A link or directory where a file is expected: reported, never followed.
        if entry.file_type().is_symlink() || entry.file_type().is_dir() {
            let mut f = InputFile::new(rel, Vec::new());
            f.error = Some(if entry.file_type().is_dir() {
                "it is a directory, not a file".into()
            } else {
                "it is a symbolic link; pvelint never follows links".into()
            });
            input.files.push(f);
            continue;
        }
        // A FIFO, device or socket: reported, never opened.
        if !entry.file_type().is_file() {
            let mut f = InputFile::new(rel, Vec::new());
            f.error = Some("it is not a regular file".into());
            input.files.push(f);
            continue;
        }
        pending.push((input.files.len(), entry.into_path(), rel.clone()));
        input.files.push(InputFile::new(rel, Vec::new()));
    }
    if openvz > 0 {
        notes.push(format!(
            "{} under openvz/ were not read: OpenVZ containers (Proxmox VE 3 and older) are not checked",
            pvelint_parse::text::count(openvz, "file")
        ));
    }
    for (i, file) in read_all(pending) {
        input.files[i] = file;
    }
    input.in_git_work_tree = in_git_work_tree(&layout.pve);
    input.secret_files = secret_files(&layout.pve);
    if let Some(hosts) = &layout.hosts {
        read_hosts(hosts, &mut input, &mut notes);
    }
    if let Some((path, display)) = &layout.vzdump_conf {
        let node = input.local_node.clone().or_else(|| match input.node_dirs.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        });
        if let Some(node) = node {
            input.vzdump_confs.push((node, read_file(path, display.clone())));
        } else {
            notes.push(format!(
                "{display} was not checked: the local node is unknown (no `local` symlink or .members in the tree); attach it with --vzdump-conf NODE={display} or name the node with --node NAME"
            ));
        }
    }
    (input, notes)
}

/// `hosts/<node>/vzdump.conf` and `hosts/<node>/facts.json` of a repository written by
/// `pvelint collect`: the folder names the node. Links are not followed; a folder that is
/// no valid node name is reported and skipped.
fn read_hosts(hosts: &Path, input: &mut TreeInput, notes: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(hosts) else {
        notes.push("hosts/ could not be listed".into());
        return;
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .collect();
    names.sort();
    for node in names {
        if !pvelint_parse::text::valid_node_name(&node) {
            notes.push(format!("hosts/{node} was skipped: '{node}' is not a valid node name"));
            continue;
        }
        let dir = hosts.join(&node);
        let conf = dir.join("vzdump.conf");
        if fs::symlink_metadata(&conf).is_ok() {
            input.vzdump_confs.push((node.clone(), read_file(&conf, format!("hosts/{node}/vzdump.conf"))));
        }
        let facts = dir.join("facts.json");
        if fs::symlink_metadata(&facts).is_ok() {
            input.facts.push((Some(node.clone()), read_file(&facts, format!("hosts/{node}/facts.json"))));
        }
    }
}

/// Reads the files, on two threads for large trees (reading is mostly system calls, which
/// overlap well), and returns them with their indexes.
fn read_all(pending: Vec<(usize, std::path::PathBuf, String)>) -> Vec<(usize, InputFile)> {
    let read = |items: Vec<(usize, std::path::PathBuf, String)>| -> Vec<(usize, InputFile)> {
        items.into_iter().map(|(i, path, rel)| (i, read_file(&path, rel))).collect()
    };
    let files = pending.len();
    pvelint_parse::par::on_two_threads(pending, files, read)
}

/// Whether the tree lies inside a git work tree (a `.git` in it or an ancestor).
fn in_git_work_tree(pve: &Path) -> bool {
    let Ok(abs) = fs::canonicalize(pve) else { return false };
    abs.ancestors().any(|a| fs::symlink_metadata(a.join(".git")).is_ok())
}

/// Whether a file under `priv/` (path relative to `priv/`) holds key material: private
/// keys, passwords, encryption keys, keyrings, token secrets, password hashes, TFA and
/// ACME account data. Public keys and `known_hosts` do not count.
pub fn is_key_material(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if rel.starts_with("lock/") || matches!(name, "known_hosts" | "authorized_keys") {
        return false;
    }
    rel.starts_with("acme/")
        || [".key", ".pw", ".enc", ".keyring", ".secret", ".pem"].iter().any(|s| name.ends_with(s))
        || matches!(name, "token.cfg" | "shadow.cfg" | "tfa.cfg" | "notifications.cfg")
}

/// The key material under `priv/`, by name only: the directory is listed, nothing in it
/// is opened, links are not followed.
fn secret_files(pve: &Path) -> Vec<String> {
    let root = pve.join("priv");
    if !is_dir_no_follow(&root) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(&root).follow_links(false).max_depth(4).sort_by_file_name();
    for entry in walker.into_iter().flatten() {
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(rel) = entry.path().strip_prefix(&root).ok().and_then(|r| r.to_str()) else { continue };
        let rel = rel.replace(std::path::MAIN_SEPARATOR, "/");
        if is_key_material(&rel) {
            out.push(format!("priv/{rel}"));
        }
    }
    out
}
