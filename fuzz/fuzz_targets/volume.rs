//! Volume IDs `storage:volname` and the owner VMID read from the name.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pvelint_fuzz::{check_span, ID};
use pvelint_parse::span::{Span, Spanned};
use pvelint_parse::volume;

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data).into_owned();
    let text = format!("rootfs: {value}\n");
    let v = Spanned::new(value.as_str(), Span::new(ID, 8, 8 + value.len()));
    if let Some(vol) = volume::parse_volume_id(v) {
        check_span(&text, ID, vol.storage, "storage");
        check_span(&text, ID, vol.volname, "volname");
        check_span(&text, ID, vol.full(), "full");
    }
    let _ = volume::volname_owner(&value);
});
