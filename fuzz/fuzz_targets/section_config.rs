//! storage.cfg, jobs.cfg, replication.cfg and ha/*.cfg: the section-config parsers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pvelint_fuzz::{check_all, file};
use pvelint_parse::{ha, jobs, replication, storage};

fuzz_target!(|data: &[u8]| {
    let f = file(data);
    let mut d = Vec::new();
    let m = storage::parse(Some(&f), &mut d);
    check_all(&f, &d, &m);
    let mut d = Vec::new();
    let m = jobs::parse(&f, &mut d);
    check_all(&f, &d, &m);
    let mut d = Vec::new();
    let m = replication::parse(&f, &mut d);
    check_all(&f, &d, &m);
    let mut d = Vec::new();
    let m = ha::parse_resources(&f, &mut d);
    check_all(&f, &d, &m);
    let mut d = Vec::new();
    let m = ha::parse_groups(&f, &mut d);
    check_all(&f, &d, &m);
    let mut d = Vec::new();
    let m = ha::parse_rules(&f, &mut d);
    check_all(&f, &d, &m);
});
