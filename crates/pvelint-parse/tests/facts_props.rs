//! Property tests of the facts reader: any text gives facts or a P016, never a panic, and
//! every span lies inside the file on character boundaries. Inputs: arbitrary text, and
//! valid facts with random edits (so the reader gets past the JSON syntax).

use proptest::prelude::*;
use proptest::test_runner::Config;
use pvelint_parse::facts::{self, Facts, Mount, PathFact, PathState, StuckProcess, ZfsPool};
use pvelint_parse::span::FileId;
use pvelint_parse::spancheck::check_all;
use pvelint_parse::SourceFile;

fn cases(n: u32) -> Config {
    Config { cases: n, failure_persistence: None, ..Config::default() }
}

fn sample() -> String {
    let f = Facts {
        version: 1,
        node: "pve1".into(),
        pve_version: Some("8.2.4".into()),
        mounts: vec![Mount {
            mount_point: "/mnt/usb 3tb".into(),
            source: "usb".into(),
            fstype: "zfs".into(),
            root: None,
        }],
        zfs_pools: vec![ZfsPool { name: "usb".into(), state: Some("ONLINE".into()) }],
        stuck_processes: vec![StuckProcess { pid: 7, command: "zfs".into(), cmdline: "zfs list \"x\"".into() }],
        paths: vec![
            PathFact {
                path: "/mnt/usb 3tb/tmp".into(),
                state: PathState::Hung,
                used_by: vec![],
                is_dir: Some(true),
                mount_point: None,
                is_mount_point: None,
                free_bytes_at_least: Some(1 << 30),
            },
            PathFact {
                path: "/a\u{e9}\"b".into(),
                state: PathState::Missing,
                used_by: vec![],
                is_dir: None,
                mount_point: None,
                is_mount_point: None,
                free_bytes_at_least: None,
            },
        ],
        ..Facts::default()
    };
    serde_json::to_string_pretty(&f).unwrap()
}

fn load(text: String) {
    let f = SourceFile::new(FileId(2), "hosts/pve1/facts.json", text);
    let mut diags = Vec::new();
    let m = facts::load(&f, Some("pve1"), &mut diags);
    assert!(m.is_some() || diags.iter().any(|d| d.code == "P016"), "neither facts nor P016");
    check_all(&f, &diags, &m);
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn arbitrary_text(text in any::<String>()) {
        load(text);
    }

    #[test]
    fn edited_facts(cut in 0usize..2000, insert in "[ -~é\"\\\\{}\\[\\],:\n]{0,12}") {
        let s = sample();
        let mut at = cut.min(s.len());
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        load(format!("{}{}{}", &s[..at], insert, &s[at..]));
    }
}

#[test]
fn the_sample_loads_with_every_value_located() {
    let text = sample();
    let f = SourceFile::new(FileId(2), "hosts/pve1/facts.json", text);
    let mut diags = Vec::new();
    let m = facts::load(&f, Some("pve1"), &mut diags).unwrap();
    assert!(diags.is_empty());
    assert_eq!(f.slice(m.zfs_pools[0]), "\"usb\"");
    assert_eq!(f.slice(m.stuck_processes[0]), "7");
    assert_eq!(f.slice(m.path_span("/a\u{e9}\"b").unwrap()), "\"/a\u{e9}\\\"b\"");
    assert_eq!(f.slice(m.pve_version.unwrap()), "\"8.2.4\"");
}
