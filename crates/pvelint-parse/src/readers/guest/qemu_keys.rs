//! The keys of a VM config (qemu-server `QemuServer.pm`: `$confdesc`, the drive
//! formats) with their value formats.

use super::*;

pub(super) static QEMU_KEYS: LazyLock<HashMap<&'static str, ValueType>> = LazyLock::new(|| key_map(QEMU_PLAIN));

pub(super) const QEMU_PLAIN: &[(&str, ValueType)] = &[
    ("onboot", ValueType::Bool),
    ("autostart", ValueType::Bool),
    ("hotplug", ValueType::Str),
    ("reboot", ValueType::Bool),
    ("lock", ValueType::Str),
    ("cpulimit", ValueType::Number),
    ("cpuunits", ValueType::Int),
    ("memory", ValueType::Str),
    ("amd-sev", ValueType::Str),
    ("intel-tdx", ValueType::Str),
    ("balloon", ValueType::Int),
    ("shares", ValueType::Int),
    ("keyboard", ValueType::Str),
    ("name", ValueType::Str),
    ("scsihw", ValueType::Str),
    ("description", ValueType::Str),
    ("ostype", ValueType::Str),
    ("boot", ValueType::Str),
    ("bootdisk", ValueType::Str),
    ("smp", ValueType::Int),
    ("sockets", ValueType::Int),
    ("cores", ValueType::Int),
    ("numa", ValueType::Bool),
    ("hugepages", ValueType::Str),
    ("keephugepages", ValueType::Bool),
    ("vcpus", ValueType::Int),
    ("acpi", ValueType::Bool),
    ("agent", ValueType::Str),
    ("kvm", ValueType::Bool),
    ("tdf", ValueType::Bool),
    ("localtime", ValueType::Bool),
    ("freeze", ValueType::Bool),
    ("vga", ValueType::Str),
    ("watchdog", ValueType::Str),
    ("startdate", ValueType::Str),
    ("startup", ValueType::Str),
    ("template", ValueType::Bool),
    ("args", ValueType::Str),
    ("tablet", ValueType::Bool),
    ("migrate_speed", ValueType::Int),
    ("migrate_downtime", ValueType::Number),
    ("cdrom", ValueType::Prop(&[DRIVE_BASE, IDE_EXTRA])),
    ("cpu", ValueType::Str),
    ("parent", ValueType::ConfigId),
    ("snaptime", ValueType::Int),
    ("vmstate", ValueType::VolumeId),
    ("vmstatestorage", ValueType::StorageId),
    ("runningmachine", ValueType::Str),
    ("runningcpu", ValueType::Str),
    ("running-nets-host-mtu", ValueType::Str),
    ("machine", ValueType::Str),
    ("arch", ValueType::Str),
    ("smbios1", ValueType::Str),
    ("protection", ValueType::Bool),
    ("bios", ValueType::Str),
    ("vmgenid", ValueType::Str),
    ("hookscript", ValueType::VolumeId),
    ("ivshmem", ValueType::Str),
    ("audio0", ValueType::Str),
    ("spice_enhancements", ValueType::Str),
    ("tags", ValueType::Str),
    ("rng0", ValueType::Str),
    ("meta", ValueType::Str),
    ("affinity", ValueType::Str),
    ("allow-ksm", ValueType::Bool),
    ("citype", ValueType::Str),
    ("ciuser", ValueType::Str),
    ("cipassword", ValueType::Str),
    ("ciupgrade", ValueType::Bool),
    ("cicustom", ValueType::Str),
    ("searchdomain", ValueType::Str),
    ("nameserver", ValueType::Str),
    ("sshkeys", ValueType::Str),
    ("efidisk0", ValueType::Prop(&[EFIDISK])),
    ("tpmstate0", ValueType::Prop(&[TPMSTATE])),
];

pub(super) fn qemu_key_type(key: &str) -> Option<ValueType> {
    if let Some(t) = QEMU_KEYS.get(key) {
        return Some(*t);
    }
    let (base, idx) = split_index(key);
    let i = idx?;
    let t = match base {
        "ide" if i < 4 => ValueType::Prop(&[DRIVE_BASE, IDE_EXTRA]),
        "sata" if i < 6 => ValueType::Prop(&[DRIVE_BASE, SATA_EXTRA]),
        "scsi" if i < 31 => ValueType::Prop(&[DRIVE_BASE, SCSI_EXTRA]),
        "virtio" if i < 16 => ValueType::Prop(&[DRIVE_BASE, VIRTIO_EXTRA]),
        "unused" if i < 256 => ValueType::Prop(&[QEMU_UNUSED]),
        "numa" if i < 8 => ValueType::Str,
        "net" | "ipconfig" if i < 32 => ValueType::Str,
        "serial" if i < 4 => ValueType::Str,
        "parallel" if i < 3 => ValueType::Str,
        "hostpci" if i < 16 => ValueType::Str,
        "usb" if i < 14 => ValueType::Str,
        "virtiofs" if i < 10 => ValueType::Str,
        _ => return None,
    };
    Some(t)
}

pub(super) fn check_qm_file(v: &str) -> Result<(), String> {
    if v == "none" || v == "cdrom" || v.starts_with('/') || volume::split_volume_id(v).is_some() {
        Ok(())
    } else {
        Err(format!(
            "`{v}` is not a volume ID (`storage:volume`), an absolute path, `none` or `cdrom` (\"unable to parse volume ID\")"
        ))
    }
}

pub(super) const QEMU_UNUSED: &[SubKey] =
    &[SubKey::default("file", SubType::Check(check_volume_id)), SubKey::alias("volume", "file")];

pub(super) const INT: SubType = SubType::Int { min: None, max: None };
pub(super) const LEN: SubType = SubType::Int { min: Some(1), max: None };

pub(super) const DRIVE_BASE: &[SubKey] = &[
    SubKey::alias("volume", "file"),
    SubKey::default("file", SubType::Check(check_qm_file)),
    SubKey::opt("media", SubType::Enum(&["cdrom", "disk"])),
    SubKey::opt("cyls", INT),
    SubKey::opt("heads", INT),
    SubKey::opt("secs", INT),
    SubKey::opt("trans", SubType::Enum(&["none", "lba", "auto"])),
    SubKey::opt("snapshot", SubType::Bool),
    SubKey::opt("cache", SubType::Enum(&["none", "writethrough", "writeback", "unsafe", "directsync"])),
    SubKey::opt("format", SubType::Enum(&["raw", "qcow", "qed", "qcow2", "vmdk", "cloop"])),
    SubKey::opt("size", SubType::Size),
    SubKey::opt("backup", SubType::Bool),
    SubKey::opt("replicate", SubType::Bool),
    SubKey::opt("rerror", SubType::Enum(&["ignore", "report", "stop"])),
    SubKey::opt("werror", SubType::Enum(&["enospc", "ignore", "report", "stop"])),
    SubKey::opt("aio", SubType::Enum(&["native", "threads", "io_uring"])),
    SubKey::opt("discard", SubType::Enum(&["ignore", "on"])),
    SubKey::opt("detect_zeroes", SubType::Bool),
    SubKey::opt("serial", SubType::Str),
    SubKey::opt("shared", SubType::Bool),
    SubKey::opt("bps", INT),
    SubKey::opt("bps_rd", INT),
    SubKey::opt("bps_wr", INT),
    SubKey::opt("mbps", SubType::Number),
    SubKey::opt("mbps_rd", SubType::Number),
    SubKey::opt("mbps_wr", SubType::Number),
    SubKey::opt("iops", INT),
    SubKey::opt("iops_rd", INT),
    SubKey::opt("iops_wr", INT),
    SubKey::opt("mbps_max", SubType::Number),
    SubKey::opt("mbps_rd_max", SubType::Number),
    SubKey::opt("mbps_wr_max", SubType::Number),
    SubKey::opt("iops_max", INT),
    SubKey::opt("iops_rd_max", INT),
    SubKey::opt("iops_wr_max", INT),
    SubKey::opt("bps_max_length", LEN),
    SubKey::opt("bps_rd_max_length", LEN),
    SubKey::opt("bps_wr_max_length", LEN),
    SubKey::opt("iops_max_length", LEN),
    SubKey::opt("iops_rd_max_length", LEN),
    SubKey::opt("iops_wr_max_length", LEN),
    SubKey::alias("bps_rd_length", "bps_rd_max_length"),
    SubKey::alias("bps_wr_length", "bps_wr_max_length"),
    SubKey::alias("iops_rd_length", "iops_rd_max_length"),
    SubKey::alias("iops_wr_length", "iops_wr_max_length"),
];

pub(super) const SSD: SubKey = SubKey::opt("ssd", SubType::Bool);
pub(super) const WWN: SubKey = SubKey::opt("wwn", SubType::Str);
pub(super) const IOTHREAD: SubKey = SubKey::opt("iothread", SubType::Bool);
pub(super) const RO: SubKey = SubKey::opt("ro", SubType::Bool);
pub(super) const IDE_EXTRA: &[SubKey] = &[SubKey::opt("model", SubType::Str), SSD, WWN];
pub(super) const SATA_EXTRA: &[SubKey] = &[SSD, WWN];
pub(super) const SCSI_EXTRA: &[SubKey] = &[
    IOTHREAD,
    SubKey::opt("product", SubType::Str),
    SubKey::opt("queues", SubType::Int { min: Some(2), max: None }),
    RO,
    SubKey::opt("scsiblock", SubType::Bool),
    SSD,
    SubKey::opt("vendor", SubType::Str),
    WWN,
];
pub(super) const VIRTIO_EXTRA: &[SubKey] = &[IOTHREAD, RO];

pub(super) const EFIDISK: &[SubKey] = &[
    SubKey::alias("volume", "file"),
    SubKey::default("file", SubType::Check(check_qm_file)),
    SubKey::opt("format", SubType::Enum(&["raw", "qcow", "qed", "qcow2", "vmdk", "cloop"])),
    SubKey::opt("size", SubType::Size),
    SubKey::opt("efitype", SubType::Enum(&["2m", "4m"])),
    SubKey::opt("pre-enrolled-keys", SubType::Bool),
    SubKey::opt("ms-cert", SubType::Str),
];

pub(super) const TPMSTATE: &[SubKey] = &[
    SubKey::alias("volume", "file"),
    SubKey::default("file", SubType::Check(check_qm_file)),
    SubKey::opt("size", SubType::Size),
    SubKey::opt("version", SubType::Enum(&["v1.2", "v2.0"])),
];
