//! sdn/*.cfg and sdn/.running-config.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pvelint_fuzz::{check_all, file};
use pvelint_parse::sdn::{parse, parse_running, SdnKind};

fuzz_target!(|data: &[u8]| {
    let f = file(data);
    for kind in [SdnKind::Zones, SdnKind::Vnets, SdnKind::Subnets, SdnKind::Controllers, SdnKind::Ipams, SdnKind::Dns] {
        let mut d = Vec::new();
        let m = parse(&f, kind, &mut d);
        check_all(&f, &d, &m);
    }
    let mut d = Vec::new();
    let m = parse_running(&f, &mut d);
    check_all(&f, &d, &m);
});
