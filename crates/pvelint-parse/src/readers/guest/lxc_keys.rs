//! The keys of a container config (pve-container `LXC/Config.pm`: `$confdesc`,
//! `$rootfs_desc`, `$mp_desc`) with their value formats, and the raw `lxc.*` keys
//! (`is_valid_lxc_conf_key`).

use super::*;

pub(super) const LXC_PLAIN: &[(&str, ValueType)] = &[
    ("lock", ValueType::Str),
    ("onboot", ValueType::Bool),
    ("startup", ValueType::Str),
    ("template", ValueType::Bool),
    ("arch", ValueType::Str),
    ("ostype", ValueType::Str),
    ("console", ValueType::Bool),
    ("tty", ValueType::Int),
    ("cores", ValueType::Int),
    ("cpulimit", ValueType::Number),
    ("cpuunits", ValueType::Int),
    ("memory", ValueType::Int),
    ("swap", ValueType::Int),
    ("hostname", ValueType::Str),
    ("description", ValueType::Str),
    ("searchdomain", ValueType::Str),
    ("nameserver", ValueType::Str),
    ("timezone", ValueType::Str),
    ("rootfs", ValueType::Prop(&[LXC_ROOTFS])),
    ("parent", ValueType::ConfigId),
    ("snaptime", ValueType::Int),
    ("cmode", ValueType::Str),
    ("entrypoint", ValueType::Str),
    ("protection", ValueType::Bool),
    ("unprivileged", ValueType::Bool),
    ("features", ValueType::Str),
    ("hookscript", ValueType::VolumeId),
    ("tags", ValueType::Str),
    ("debug", ValueType::Bool),
    ("env", ValueType::Str),
    ("ipmanagehost", ValueType::Bool),
];

pub(super) static LXC_KEYS: LazyLock<HashMap<&'static str, ValueType>> = LazyLock::new(|| key_map(LXC_PLAIN));

pub(super) fn lxc_key_type(key: &str) -> Option<ValueType> {
    if let Some(t) = LXC_KEYS.get(key) {
        return Some(*t);
    }
    match split_index(key) {
        ("mp", Some(i)) if i < 256 => Some(ValueType::Prop(&[LXC_ROOTFS, LXC_MP_EXTRA])),
        ("unused", Some(i)) if i < 256 => Some(ValueType::Prop(&[VOLUME_ONLY])),
        ("net", Some(i)) if i < 32 => Some(ValueType::Str),
        ("dev", Some(i)) if i < 256 => Some(ValueType::Str),
        _ => None,
    }
}

pub(super) fn check_lxc_mp_string(v: &str) -> Result<(), String> {
    let bad =
        v.contains("/./") || v.contains("/../") || v.ends_with("/.") || v.ends_with("/..") || v.starts_with("../");
    if bad {
        Err(format!("`{v}` contains `.`/`..` path components (\"contains illegal character sequences\")"))
    } else {
        Ok(())
    }
}

pub(super) fn check_mountoptions(v: &str) -> Result<(), String> {
    const OPTS: &[&str] = &["discard", "lazytime", "noatime", "nodev", "noexec", "nosuid"];
    match v.split(';').find(|o| !OPTS.contains(o)) {
        Some(o) => Err(format!("`{o}` is not a supported mount option ({})", OPTS.join(", "))),
        None => Ok(()),
    }
}

pub(super) const LXC_ROOTFS: &[SubKey] = &[
    SubKey::default("volume", SubType::Check(check_lxc_mp_string)),
    SubKey::opt("size", SubType::Size),
    SubKey::opt("acl", SubType::Bool),
    SubKey::opt("mountoptions", SubType::Check(check_mountoptions)),
    SubKey::opt("ro", SubType::Bool),
    SubKey::opt("quota", SubType::Bool),
    SubKey::opt("replicate", SubType::Bool),
    SubKey::opt("shared", SubType::Bool),
    SubKey::opt("idmap", SubType::Str),
];

pub(super) const LXC_MP_EXTRA: &[SubKey] = &[
    SubKey::opt("backup", SubType::Bool),
    SubKey::req("mp", SubType::Check(check_lxc_mp_string)),
    SubKey::opt("keepattrs", SubType::Bool),
];

/// How `is_valid_lxc_conf_key` treats a raw `lxc.*` key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LxcKeyValidity {
    Valid,
    /// cgroup v1 (`lxc.cgroup.*`): accepted, but ignored on cgroup v2 hosts.
    CgroupV1,
    /// Accepted with a warning; LXC 3.0+ names it differently.
    Deprecated {
        replacement: &'static str,
    },
    /// Rejected with this reason; Proxmox drops the line.
    Rejected(&'static str),
    /// Unknown; Proxmox drops the line ("unable to parse config").
    Unknown,
}

pub(super) const LXC_VALID: &[&str] = &[
    "lxc.apparmor.profile",
    "lxc.apparmor.allow_incomplete",
    "lxc.apparmor.allow_nesting",
    "lxc.apparmor.raw",
    "lxc.selinux.context",
    "lxc.include",
    "lxc.arch",
    "lxc.uts.name",
    "lxc.signal.halt",
    "lxc.signal.reboot",
    "lxc.signal.stop",
    "lxc.init.cmd",
    "lxc.init.cwd",
    "lxc.init.uid",
    "lxc.init.gid",
    "lxc.pty.max",
    "lxc.console.logfile",
    "lxc.console.path",
    "lxc.console.buffer.size",
    "lxc.console.size",
    "lxc.console.rotate",
    "lxc.tty.max",
    "lxc.devtty.dir",
    "lxc.hook.autodev",
    "lxc.autodev",
    "lxc.kmsg",
    "lxc.mount.fstab",
    "lxc.mount.entry",
    "lxc.mount.auto",
    "lxc.rootfs.mount",
    "lxc.cap.drop",
    "lxc.cap.keep",
    "lxc.seccomp.profile",
    "lxc.seccomp.notify.proxy",
    "lxc.seccomp.notify.cookie",
    "lxc.idmap",
    "lxc.hook.pre-start",
    "lxc.hook.pre-mount",
    "lxc.hook.mount",
    "lxc.hook.start",
    "lxc.hook.stop",
    "lxc.hook.post-stop",
    "lxc.hook.clone",
    "lxc.hook.destroy",
    "lxc.hook.version",
    "lxc.log.level",
    "lxc.log.file",
    "lxc.start.auto",
    "lxc.start.delay",
    "lxc.start.order",
    "lxc.group",
    "lxc.environment",
    "lxc.environment.runtime",
    "lxc.environment.hooks",
    "lxc.sysctl.fs.mqueue",
    "lxc.sysctl.kernel.msgmax",
    "lxc.sysctl.kernel.msgmnb",
    "lxc.sysctl.kernel.msgmni",
    "lxc.sysctl.kernel.sem",
    "lxc.sysctl.kernel.shmall",
    "lxc.sysctl.kernel.shmmax",
    "lxc.sysctl.kernel.shmmni",
    "lxc.sysctl.kernel.shm_rmid_forced",
];

pub(super) const LXC_DEPRECATED: &[(&str, &str)] = &[
    ("lxc.aa_profile", "lxc.apparmor.profile"),
    ("lxc.aa_allow_incomplete", "lxc.apparmor.allow_incomplete"),
    ("lxc.console", "lxc.console.path"),
    ("lxc.devttydir", "lxc.tty.dir"),
    ("lxc.haltsignal", "lxc.signal.halt"),
    ("lxc.rebootsignal", "lxc.signal.reboot"),
    ("lxc.stopsignal", "lxc.signal.stop"),
    ("lxc.id_map", "lxc.idmap"),
    ("lxc.init_cmd", "lxc.init.cmd"),
    ("lxc.loglevel", "lxc.log.level"),
    ("lxc.logfile", "lxc.log.file"),
    ("lxc.mount", "lxc.mount.fstab"),
    ("lxc.network.type", "lxc.net.INDEX.type"),
    ("lxc.network.flags", "lxc.net.INDEX.flags"),
    ("lxc.network.link", "lxc.net.INDEX.link"),
    ("lxc.network.mtu", "lxc.net.INDEX.mtu"),
    ("lxc.network.name", "lxc.net.INDEX.name"),
    ("lxc.network.hwaddr", "lxc.net.INDEX.hwaddr"),
    ("lxc.network.ipv4", "lxc.net.INDEX.ipv4.address"),
    ("lxc.network.ipv4.gateway", "lxc.net.INDEX.ipv4.gateway"),
    ("lxc.network.ipv6", "lxc.net.INDEX.ipv6.address"),
    ("lxc.network.ipv6.gateway", "lxc.net.INDEX.ipv6.gateway"),
    ("lxc.network.script.up", "lxc.net.INDEX.script.up"),
    ("lxc.network.script.down", "lxc.net.INDEX.script.down"),
    ("lxc.pts", "lxc.pty.max"),
    ("lxc.se_context", "lxc.selinux.context"),
    ("lxc.seccomp", "lxc.seccomp.profile"),
    ("lxc.tty", "lxc.tty.max"),
    ("lxc.utsname", "lxc.uts.name"),
];

/// `PVE::LXC::Config::is_valid_lxc_conf_key`.
pub fn lxc_key_validity(key: &str) -> LxcKeyValidity {
    if key.starts_with("lxc.limit.") {
        return LxcKeyValidity::Deprecated { replacement: "lxc.prlimit.*" };
    }
    if let Some((_, r)) = LXC_DEPRECATED.iter().find(|(k, _)| *k == key) {
        return LxcKeyValidity::Deprecated { replacement: r };
    }
    match key {
        "lxc.rootfs.path" => return LxcKeyValidity::Rejected("lxc.rootfs.path is auto generated from rootfs"),
        "lxc.rootfs.options" => {
            return LxcKeyValidity::Rejected(
                "lxc.rootfs.options is not supported, please use mount point options in the \"rootfs\" key",
            )
        }
        _ => {}
    }
    if LXC_VALID.contains(&key) {
        return LxcKeyValidity::Valid;
    }
    if key.starts_with("lxc.cgroup.") {
        return LxcKeyValidity::CgroupV1;
    }
    if key.starts_with("lxc.cgroup2.") || key.starts_with("lxc.prlimit.") || key.starts_with("lxc.net.") {
        return LxcKeyValidity::Valid;
    }
    LxcKeyValidity::Unknown
}
