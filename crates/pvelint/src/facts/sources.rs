//! The text formats the collector reads, as pure functions (no I/O): mountinfo, kstat
//! pool state, CPU lists, meminfo, dpkg status, `/proc/<pid>/stat`. Garbage gives
//! `None` or an empty list, never a panic.

use pvelint_parse::facts::Mount;

/// File system types that say nothing about storage (left out of the facts, so that a
/// login or a container start does not change them).
const PSEUDO_FS: &[&str] = &[
    "autofs",
    "binfmt_misc",
    "bpf",
    "cgroup",
    "cgroup2",
    "configfs",
    "debugfs",
    "devpts",
    "devtmpfs",
    "efivarfs",
    "fuse.lxcfs",
    "fusectl",
    "hugetlbfs",
    "mqueue",
    "nsfs",
    "proc",
    "pstore",
    "ramfs",
    "rpc_pipefs",
    "securityfs",
    "sysfs",
    "tmpfs",
    "tracefs",
];

/// Undoes mountinfo's octal escapes (`\040` for a space, `\011`, `\012`, `\134`).
pub fn unescape_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 4 <= b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            let v = (b[i + 1] - b'0') as u32 * 64 + (b[i + 2] - b'0') as u32 * 8 + (b[i + 3] - b'0') as u32;
            if let Ok(byte) = u8::try_from(v) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `proc/self/mountinfo`: `id parent maj:min root mount-point options [optional…] - fstype
/// source super-options`. Pseudo file systems and mounts below `/proc`, `/sys` and `/dev`
/// are left out; the rest comes sorted and without repeats.
pub fn mountinfo(text: &str) -> Vec<Mount> {
    let mut out = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(sep) = fields.iter().position(|f| *f == "-") else { continue };
        if sep < 6 || fields.len() < sep + 3 {
            continue;
        }
        let root = unescape_octal(fields[3]);
        let mount_point = unescape_octal(fields[4]);
        let fstype = unescape_octal(fields[sep + 1]);
        let source = unescape_octal(fields[sep + 2]);
        if !mount_point.starts_with('/') || PSEUDO_FS.contains(&fstype.as_str()) {
            continue;
        }
        if ["/proc", "/sys", "/dev"].iter().any(|p| mount_point == *p || mount_point.starts_with(&format!("{p}/"))) {
            continue;
        }
        // A zfs dataset's root is always `/`; elsewhere a root other than `/` is a bind mount.
        let root = (root != "/" && fstype != "zfs").then_some(root);
        out.push(Mount { mount_point, source, fstype, root });
    }
    out.sort();
    out.dedup();
    out
}

/// `sys/devices/system/cpu/online`: `0-3,6,8-9` → 7.
pub fn cpu_count(text: &str) -> Option<u32> {
    let mut n: u32 = 0;
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    for part in text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                n = n.checked_add(b.checked_sub(a)?.checked_add(1)?)?;
            }
            None => {
                part.trim().parse::<u32>().ok()?;
                n = n.checked_add(1)?;
            }
        }
    }
    Some(n)
}

/// `MemTotal` of `proc/meminfo`, in bytes.
pub fn mem_total(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let mut words = line["MemTotal:".len()..].split_whitespace();
    let kb: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") | None => kb.checked_mul(1024),
        Some(_) => None,
    }
}

/// The version of the installed `pve-manager` in `var/lib/dpkg/status` (read line by line).
pub struct DpkgScan {
    in_pve_manager: bool,
    installed: bool,
    version: Option<String>,
    found: Option<String>,
}

impl DpkgScan {
    pub fn new() -> Self {
        DpkgScan { in_pve_manager: false, installed: false, version: None, found: None }
    }

    pub fn line(&mut self, line: &str) {
        let line = line.trim_end_matches(['\n', '\r']);
        if line.is_empty() {
            self.end_paragraph();
        } else if let Some(p) = line.strip_prefix("Package: ") {
            self.end_paragraph();
            self.in_pve_manager = p.trim() == "pve-manager";
        } else if self.in_pve_manager {
            if let Some(s) = line.strip_prefix("Status: ") {
                self.installed = s.split_whitespace().last() == Some("installed");
            } else if let Some(v) = line.strip_prefix("Version: ") {
                self.version = Some(v.trim().chars().take(64).collect());
            }
        }
    }

    fn end_paragraph(&mut self) {
        if self.in_pve_manager && self.installed && self.found.is_none() {
            self.found = self.version.take();
        }
        self.in_pve_manager = false;
        self.installed = false;
        self.version = None;
    }

    pub fn finish(mut self) -> Option<String> {
        self.end_paragraph();
        self.found
    }
}

impl Default for DpkgScan {
    fn default() -> Self {
        Self::new()
    }
}

/// `proc/<pid>/stat`: the command name and the state letter. The name is between the
/// first `(` and the last `)` (it may hold spaces and parentheses).
pub fn proc_stat(text: &str) -> Option<(String, char)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    if close < open {
        return None;
    }
    let comm = text[open + 1..close].to_string();
    let state = text[close + 1..].trim_start().chars().next()?;
    Some((comm, state))
}

/// Command names of backup and storage tools whose D state the facts record.
const STUCK_TOOLS: &[&str] = &[
    "vzdump",
    "task UPID",
    "zfs",
    "zpool",
    "rsync",
    "tar",
    "qemu-img",
    "vma",
    "pigz",
    "zstd",
    "gzip",
    "lzop",
    "proxmox-backup-",
    "pct",
    "qm",
    "pvesm",
    "mount",
    "mount.nfs",
    "umount",
    "sync",
    "lvcreate",
    "lvremove",
    "lvs",
    "vgs",
    "cp",
    "mv",
    "dd",
];

/// Whether a process of this name belongs to backups or storage tools.
pub fn is_storage_tool(comm: &str) -> bool {
    STUCK_TOOLS.iter().any(|t| if t.ends_with('-') || t.contains(' ') { comm.starts_with(t) } else { comm == *t })
}

/// `proc/<pid>/cmdline` (NUL-separated) as one line: at most 256 characters, values of
/// arguments that look like secrets masked.
pub fn cmdline(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut words: Vec<String> = Vec::new();
    let mut mask_next = false;
    for w in text.split('\0').filter(|w| !w.is_empty()) {
        let lower = w.to_ascii_lowercase();
        let secret_flag =
            ["pass", "secret", "token", "key"].iter().any(|s| lower.contains(s)) && lower.starts_with('-');
        if mask_next {
            words.push("***".into());
            mask_next = false;
        } else if secret_flag {
            match w.split_once('=') {
                Some((k, _)) => words.push(format!("{k}=***")),
                None => {
                    words.push(w.to_string());
                    mask_next = true;
                }
            }
        } else {
            words.push(w.to_string());
        }
    }
    let line = words.join(" ");
    match line.char_indices().nth(256) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line,
    }
}

/// Rounds free space down to a power of two (0 stays 0), so the facts change only when
/// free space halves or doubles.
pub fn round_free(bytes: u64) -> u64 {
    if bytes == 0 {
        0
    } else {
        1u64 << (63 - bytes.leading_zeros())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_keeps_storage_and_unescapes() {
        let text = "\
22 1 0:21 / /proc rw,nosuid - proc proc rw
25 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/pve-root rw,errors=remount-ro
61 25 0:50 / /mnt/usb\\0403tb rw shared:30 - zfs usb3tb rw,xattr
62 25 0:51 /srv/share /mnt/bind rw - ext4 /dev/sdb1 rw
63 25 0:52 / /mnt/pve/nas rw - nfs4 nas:/export/pve rw,vers=4.2
64 25 0:53 / /run/user/0 rw - tmpfs tmpfs rw
garbage line
65 25 0:54 / /etc/pve rw - fuse /dev/fuse rw
";
        let m = mountinfo(text);
        let points: Vec<&str> = m.iter().map(|m| m.mount_point.as_str()).collect();
        assert_eq!(points, ["/", "/etc/pve", "/mnt/bind", "/mnt/pve/nas", "/mnt/usb 3tb"]);
        assert_eq!(m[2].root.as_deref(), Some("/srv/share"));
        assert_eq!(m[4].source, "usb3tb");
        assert_eq!(m[4].root, None);
    }

    #[test]
    fn cpu_lists_and_meminfo() {
        assert_eq!(cpu_count("0-3,6,8-9\n"), Some(7));
        assert_eq!(cpu_count("0\n"), Some(1));
        assert_eq!(cpu_count("3-1"), None);
        assert_eq!(cpu_count("x"), None);
        assert_eq!(cpu_count(""), None);
        assert_eq!(mem_total("MemTotal:       16318412 kB\nMemFree: 1 kB\n"), Some(16318412 * 1024));
        assert_eq!(mem_total("MemTotal: lots"), None);
    }

    #[test]
    fn dpkg_finds_the_installed_pve_manager() {
        let mut s = DpkgScan::new();
        for l in "Package: pve-manager\nStatus: deinstall ok config-files\nVersion: 7.0-1\n\nPackage: foo\nVersion: 1\n\nPackage: pve-manager\nStatus: install ok installed\nVersion: 8.2.4\n".lines() {
            s.line(l);
        }
        assert_eq!(s.finish().as_deref(), Some("8.2.4"));
    }

    #[test]
    fn proc_stat_reads_names_with_parentheses() {
        assert_eq!(proc_stat("123 (zfs) D 1 2 3"), Some(("zfs".into(), 'D')));
        assert_eq!(proc_stat("9 (a) b)) S 1"), Some(("a) b)".into(), 'S')));
        assert_eq!(proc_stat("garbage"), None);
        assert!(is_storage_tool("task UPID:pve1:"));
        assert!(is_storage_tool("zpool"));
        assert!(!is_storage_tool("zpoolx"));
        assert!(!is_storage_tool("bash"));
    }

    #[test]
    fn cmdline_masks_secrets_and_is_bounded() {
        assert_eq!(
            cmdline(b"vzdump\x00106\x00--password\0hunter2\0--token=abc\0"),
            "vzdump 106 --password *** --token=***"
        );
        let long = vec![b'a'; 1000];
        assert_eq!(cmdline(&long).chars().count(), 257);
        assert_eq!(round_free(0), 0);
        assert_eq!(round_free(1000), 512);
        assert_eq!(round_free(1024), 1024);
    }
}
