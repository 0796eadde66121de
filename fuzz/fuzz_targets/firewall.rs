//! firewall/cluster.fw, nodes/<node>/host.fw, firewall/<vmid>.fw.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pvelint_fuzz::{check_all, file};
use pvelint_parse::firewall::{parse, FwScope};

fuzz_target!(|data: &[u8]| {
    let f = file(data);
    for scope in [FwScope::Cluster, FwScope::Host("pve1".into()), FwScope::Guest(100)] {
        let mut d = Vec::new();
        let m = parse(&f, scope, &mut d);
        check_all(&f, &d, &m);
    }
});
