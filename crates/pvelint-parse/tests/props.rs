//! Property tests: no parser panics on any input, and every span a parser returns lies
//! inside its file on character boundaries.
//!
//! Inputs come from three generators: arbitrary bytes (made text the way the tree loader
//! makes it, with U+FFFD for invalid bytes), lines assembled from configuration tokens
//! (so the parsers get past their first line), and the fixtures of `testdata/parse`
//! with random edits. The spans checked are those of the diagnostics and their labels
//! and every `Span` reachable in the model, found generically in its `Debug` rendering.
//!
//! Case counts are kept small so `cargo test` stays fast; the fuzz targets in `fuzz/`
//! run the same parsers for millions of executions.

use proptest::prelude::*;
use proptest::test_runner::Config;
use pvelint_parse::guest::GuestKind;
use pvelint_parse::span::{FileId, Span, Spanned};
use pvelint_parse::spancheck::{check_all, check_span, debug_spans};
use pvelint_parse::tree::{InputFile, TreeInput};
use pvelint_parse::{
    calendar, ceph_conf, corosync, cpu_models, cron, datacenter, firewall, guest, ha, jobs, mapping, notifications,
    propstring, replication, sdn, storage, user, volume, vzdump_conf, SourceFile,
};

const ID: FileId = FileId(3);

fn cases(n: u32) -> Config {
    Config { cases: n, failure_persistence: None, ..Config::default() }
}

/// Pieces of Proxmox configuration syntax the token generator strings together.
const TOKENS: &[&str] = &[
    "\n",
    "\n",
    "\n",
    "\r\n",
    "\t",
    " ",
    "  ",
    ":",
    ": ",
    "=",
    ",",
    ";",
    "#",
    "[",
    "]",
    "{",
    "}",
    "/",
    "*",
    "-",
    "..",
    "~",
    "\\",
    "\"",
    "'",
    "%",
    "%3A",
    "\u{0}",
    "\u{feff}",
    "é",
    "🦀",
    "\u{fffd}",
    "0",
    "1",
    "100",
    "4294967296",
    "-1",
    "dir: local",
    "zfspool: tank",
    "nfs: n",
    "pbs: p",
    "vzdump: job",
    "realm-sync: r",
    "local:",
    "local",
    "\tpath /var/lib/vz",
    "\tcontent images,rootfs,backup",
    "\tnodes a,b",
    "\tdisable",
    "\tshared 1",
    "\tpool x",
    "\tschedule ",
    "\tstorage local",
    "\tvmid 100,101",
    "\tall 1",
    "\texclude 100",
    "\tenabled 0",
    "\ttarget b",
    "\tcomment %20x",
    "\tpassword canary",
    "local-lvm:vm-100-disk-0",
    "vm-100-disk-1",
    "subvol-100-disk-0",
    "base-9-disk-0/vm-100-disk-0",
    "backup/vzdump-lxc-100-2024_01_01.tar.zst",
    "100/x.qcow2",
    "rootfs: ",
    "mp0: ",
    "scsi0: ",
    "net0: ",
    "virtio0: ",
    "ide2: ",
    "cdrom: ",
    "unused0: ",
    "lxc.cgroup2.x = y",
    "lxc.idmap: u 0 100000 65536",
    "size=8G",
    "backup=0",
    "mp=/m",
    "ro=1",
    "media=cdrom",
    "none",
    "volume=",
    ",,",
    "=,",
    "[snap]",
    "[pve:pending]",
    "[PENDING]",
    "[special:cloudinit]",
    "parent: snap",
    "snaptime: 1",
    "description: a",
    "#comment",
    "arch: amd64",
    "hostname: h",
    "memory: 512",
    "onboot: 1",
    "boot: order=scsi0",
    "totem {",
    "nodelist {",
    "node {",
    "ring0_addr: 10.0.0.1",
    "name: pve",
    "nodeid: 1",
    "quorum_votes: 1",
    "keyboard: en-us",
    "migration: secure,network=10.0.0.0/24",
    "ha: shutdown_policy=migrate",
    "bwlimit: x",
    "mon..fri",
    "sat",
    "*-*-01",
    "02:00",
    "*/15",
    "0/5",
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "yearly",
    "mon,wed 03:30",
    "2024-01-01 00:00:00",
    "1..31",
    "~1",
    "ct:100",
    "vm:101",
    "state started",
    "group g",
    "nodes a:2,b",
    "restricted 1",
    "group: g",
    "node-affinity: r",
    "resources vm:100",
    "pool:p:c:vm/100,ct/101",
    "user:root@pam:1:0:::",
    "token:root@pam!t:0:1::",
    "15 2 * * *",
    "root vzdump 100 --quiet 1",
    "--storage local",
    "--mode snapshot",
    "bwlimit: 0",
    "tmpdir: /tmp",
    "storage: local",
    "prune-backups: keep-last=3",
    "notes-template: {{guestname}}",
    "mailto: a@b",
    "performance: max-workers=2",
];

fn token_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(TOKENS).prop_map(str::to_string),
            1 => any::<String>().prop_map(|s| s.chars().take(8).collect()),
        ],
        0..120,
    )
    .prop_map(|v| v.concat())
}

fn byte_text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..400)
}

fn seeds() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/parse");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(s) = std::fs::read_to_string(&p) {
                out.push(s);
            }
        }
    }
    if out.is_empty() {
        out.push("dir: local\n\tpath /var/lib/vz\n".into());
    }
    out
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A fixture with random insertions and deletions.
fn mutated_seed() -> impl Strategy<Value = String> {
    let seeds = seeds();
    (
        prop::sample::select(seeds),
        prop::collection::vec(
            (any::<bool>(), any::<prop::sample::Index>(), 0usize..40, prop::sample::select(TOKENS)),
            1..12,
        ),
    )
        .prop_map(|(seed, edits)| {
            let mut s = seed;
            for (insert, at, len, tok) in edits {
                let start = floor_boundary(&s, at.index(s.len() + 1));
                if insert {
                    s.insert_str(start, tok);
                } else {
                    let end = floor_boundary(&s, start + len);
                    s.replace_range(start..end, "");
                }
            }
            s
        })
}

fn config_text() -> impl Strategy<Value = String> {
    prop_oneof![byte_text().prop_map(|b| String::from_utf8_lossy(&b).into_owned()), token_text(), mutated_seed(),]
}

fn file(text: String) -> SourceFile {
    SourceFile::new(ID, "fuzzed.cfg", text)
}

macro_rules! file_parser_props {
    ($($name:ident => |$f:ident, $d:ident| $call:expr;)*) => {
        proptest! {
            #![proptest_config(cases(768))]
            $(
                #[test]
                fn $name(text in config_text()) {
                    let $f = file(text);
                    let mut $d = Vec::new();
                    let model = $call;
                    check_all(&$f, &$d, &model);
                }
            )*
        }
    };
}

file_parser_props! {
    storage_never_panics => |f, d| storage::parse(Some(&f), &mut d);
    jobs_never_panics => |f, d| jobs::parse(&f, &mut d);
    replication_never_panics => |f, d| replication::parse(&f, &mut d);
    ha_resources_never_panic => |f, d| ha::parse_resources(&f, &mut d);
    ha_groups_never_panic => |f, d| ha::parse_groups(&f, &mut d);
    ha_rules_never_panic => |f, d| ha::parse_rules(&f, &mut d);
    lxc_never_panics => |f, d| guest::parse(&f, GuestKind::Lxc, 100, &mut d);
    qemu_never_panics => |f, d| guest::parse(&f, GuestKind::Qemu, 101, &mut d);
    vzdump_conf_never_panics => |f, d| vzdump_conf::parse(&f, &mut d);
    cron_never_panics => |f, d| cron::parse(&f, &mut d);
    corosync_never_panics => |f, d| corosync::parse(&f, &mut d);
    datacenter_never_panics => |f, d| datacenter::parse(&f, &mut d);
    user_never_panics => |f, d| user::parse(&f, &mut d);
    notifications_never_panic => |f, d| notifications::parse(&f, &mut d);
    cpu_models_never_panic => |f, d| cpu_models::parse(&f, &mut d);
    ceph_conf_never_panics => |f, d| ceph_conf::parse(&f, &mut d);
    pci_mappings_never_panic => |f, d| mapping::parse(&f, mapping::MappingKind::Pci, &mut d);
    usb_mappings_never_panic => |f, d| mapping::parse(&f, mapping::MappingKind::Usb, &mut d);
    dir_mappings_never_panic => |f, d| mapping::parse(&f, mapping::MappingKind::Dir, &mut d);
    sdn_zones_never_panic => |f, d| sdn::parse(&f, sdn::SdnKind::Zones, &mut d);
    sdn_vnets_never_panic => |f, d| sdn::parse(&f, sdn::SdnKind::Vnets, &mut d);
    sdn_running_never_panics => |f, d| sdn::parse_running(&f, &mut d);
    guest_firewall_never_panics => |f, d| firewall::parse(&f, firewall::FwScope::Guest(100), &mut d);
    cluster_firewall_never_panics => |f, d| firewall::parse(&f, firewall::FwScope::Cluster, &mut d);
}

/// A value embedded in a file after a prefix, as the parsers hand values on.
fn embedded(prefix: &str, value: &str) -> (SourceFile, Spanned<String>) {
    let f = file(format!("{prefix}{value}\n"));
    let v = Spanned::new(value.to_string(), Span::new(ID, prefix.len(), prefix.len() + value.len()));
    (f, v)
}

const SCHEMA: &[propstring::SubKey] = &[
    propstring::SubKey::default("volume", propstring::SubType::Str),
    propstring::SubKey::alias("file", "volume"),
    propstring::SubKey::opt("backup", propstring::SubType::Bool),
    propstring::SubKey::opt("size", propstring::SubType::Size),
    propstring::SubKey::opt("n", propstring::SubType::Int { min: Some(0), max: Some(9) }),
    propstring::SubKey::opt("f", propstring::SubType::Number),
    propstring::SubKey::opt("e", propstring::SubType::Enum(&["a", "b"])),
    propstring::SubKey::req("mp", propstring::SubType::Str),
];

proptest! {
    #![proptest_config(cases(1500))]

    #[test]
    fn propstring_never_panics(prefix in "[a-z0-9]{0,4}: ", value in config_text()) {
        let (f, v) = embedded(&prefix, &value);
        let ps = propstring::parse(v.span.spanned(&f.text));
        let problems = propstring::validate(&f.text, &ps, &[SCHEMA], v.span);
        if !f.text.contains("Span {") {
            for s in debug_spans(&format!("{ps:?} {problems:?}")) {
                check_span(&f.text, ID, s, "propstring");
            }
        }
        let _ = (ps.positional(), ps.flag(&f.text, "backup"), ps.get(&f.text, "size"));
    }

    #[test]
    fn volume_id_never_panics(prefix in "[a-z0-9]{0,4}: ", value in config_text()) {
        let (f, v) = embedded(&prefix, &value);
        if let Some(vol) = volume::parse_volume_id(v.span.spanned(&f.text)) {
            check_span(&f.text, ID, vol.storage, "storage");
            check_span(&f.text, ID, vol.volname, "volname");
            check_span(&f.text, ID, vol.full(), "full");
        }
        let _ = volume::volname_owner(&value);
    }

    #[test]
    fn calendar_never_panics(text in prop_oneof![config_text(), token_text().prop_map(|s| s.replace('\n', " "))]) {
        if let Ok(ev) = calendar::parse(&text) {
            let _ = (ev.describe(), ev.times_of_day(1000), ev.min_daily_gap(), ev.bare_minute());
        }
        let _ = calendar::validate(&text);
    }
}

const TREE_PATHS: &[&str] = &[
    "storage.cfg",
    "jobs.cfg",
    "vzdump.cron",
    "corosync.conf",
    "datacenter.cfg",
    "replication.cfg",
    "user.cfg",
    "notifications.cfg",
    "virtual-guest/cpu-models.conf",
    "ceph.conf",
    "ha/resources.cfg",
    "ha/groups.cfg",
    "ha/rules.cfg",
    "mapping/pci.cfg",
    "mapping/usb.cfg",
    "mapping/directory.cfg",
    "sdn/zones.cfg",
    "sdn/vnets.cfg",
    "sdn/subnets.cfg",
    "sdn/.running-config",
    "firewall/cluster.fw",
    "firewall/101.fw",
    "nodes/a/host.fw",
    "nodes/a/lxc/100.conf",
    "nodes/a/qemu-server/101.conf",
    "nodes/b/lxc/100.conf",
    "nodes/b/qemu-server/4294967295.conf",
    "priv/storage.cfg",
    "nodes/a/lxc/0100.conf",
    "storage.cfg",
];

fn input_file() -> impl Strategy<Value = InputFile> {
    (
        prop::sample::select(TREE_PATHS),
        prop_oneof![4 => config_text().prop_map(String::into_bytes), 1 => byte_text()],
        0u8..12,
    )
        .prop_map(|(path, bytes, odd)| {
            let mut f = InputFile::new(path, bytes);
            match odd {
                0 => f.truncated_size = Some(2 << 20),
                1 => f.error = Some("it is not a regular file".into()),
                _ => {}
            }
            f
        })
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn tree_load_never_panics(
        files in prop::collection::vec(input_file(), 0..6),
        conf in prop::option::of(config_text()),
        local in prop::option::of(prop::sample::select(&["a", "b", "c"][..])),
        prefix in prop::sample::select(&["", "pve/", "etc/pve/"][..]),
    ) {
        let mut input = TreeInput { files, local_node: local.map(str::to_string), prefix: prefix.into(), ..TreeInput::default() };
        if let Some(c) = conf {
            input.vzdump_confs.push(("a".into(), InputFile::new("vzdump.conf", c.into_bytes())));
        }
        let tree = pvelint_parse::load(input);
        let spell = tree.files.iter().any(|f| f.text.contains("Span {"));
        let text_of = |s: Span| -> &str {
            let f = tree.files.get(s.file.0 as usize).unwrap_or_else(|| panic!("span {s:?} names no file"));
            &f.text
        };
        for d in &tree.diagnostics {
            check_span(text_of(d.span), d.span.file, d.span, d.code);
            for l in &d.labels {
                check_span(text_of(l.span), l.span.file, l.span, "label");
            }
        }
        if !spell && !tree.files.is_empty() {
            let dbg = format!("{:?} {:?} {:?} {:?}", tree.storage, tree.guests, tree.jobs, tree.ha);
            for s in debug_spans(&dbg) {
                // The built-in `local` of a tree without storage.cfg points nowhere real.
                if (s.file.0 as usize) < tree.files.len() {
                    check_span(text_of(s), s.file, s, "model");
                }
            }
        }
        prop_assert!(tree.files.iter().all(|f| !f.path.contains("priv/")));
    }
}

/// The span scan itself finds what it should.
#[test]
fn debug_span_scan_works() {
    let v = Spanned::new("x".to_string(), Span::new(FileId(2), 5, 9));
    assert_eq!(debug_spans(&format!("{v:?}")), vec![Span::new(FileId(2), 5, 9)]);
    let f = file("dir: local\n\tpath /x\n".into());
    let mut d = Vec::new();
    let cfg = storage::parse(Some(&f), &mut d);
    assert!(debug_spans(&format!("{cfg:?}")).len() >= 3);
}

/// Found by these properties: the root block of corosync.conf had a name span in file 0
/// whatever the file.
#[test]
fn regression_corosync_root_span_in_its_file() {
    let f = file(String::new());
    let mut d = Vec::new();
    let c = corosync::parse(&f, &mut d);
    check_all(&f, &d, &c);
}
