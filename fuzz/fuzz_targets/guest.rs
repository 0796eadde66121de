//! nodes/<node>/lxc/<vmid>.conf and nodes/<node>/qemu-server/<vmid>.conf.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pvelint_fuzz::{check_all, file};
use pvelint_parse::guest::{self, GuestKind};

fuzz_target!(|data: &[u8]| {
    let f = file(data);
    for kind in [GuestKind::Lxc, GuestKind::Qemu] {
        let mut d = Vec::new();
        let m = guest::parse(&f, kind, 100, &mut d);
        let _ = m.volumes();
        check_all(&f, &d, &m);
    }
});
