//! ceph.conf (INI, Proxmox's reader).
#![no_main]
use libfuzzer_sys::fuzz_target;
use pvelint_fuzz::{check_all, file};

fuzz_target!(|data: &[u8]| {
    let f = file(data);
    let mut d = Vec::new();
    let m = pvelint_parse::ceph_conf::parse(&f, &mut d);
    check_all(&f, &d, &m);
});
