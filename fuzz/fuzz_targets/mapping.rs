//! mapping/pci.cfg, usb.cfg, directory.cfg: the resource-mapping reader.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pvelint_fuzz::{check_all, file};
use pvelint_parse::mapping::{parse, MappingKind};

fuzz_target!(|data: &[u8]| {
    let f = file(data);
    for kind in [MappingKind::Pci, MappingKind::Usb, MappingKind::Dir] {
        let mut d = Vec::new();
        let m = parse(&f, kind, &mut d);
        check_all(&f, &d, &m);
    }
});
