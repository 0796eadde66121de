//! Property strings (`rootfs: local:100/x.raw,size=8G,backup=1`): split and validate.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pvelint_fuzz::{check_span, debug_spans, ID};
use pvelint_parse::propstring::{self, SubKey, SubType};
use pvelint_parse::span::{Span, Spanned};

const SCHEMA: &[SubKey] = &[
    SubKey::default("volume", SubType::Str),
    SubKey::alias("file", "volume"),
    SubKey::opt("backup", SubType::Bool),
    SubKey::opt("size", SubType::Size),
    SubKey::opt("n", SubType::Int { min: Some(0), max: Some(9) }),
    SubKey::opt("f", SubType::Number),
    SubKey::opt("e", SubType::Enum(&["a", "b"])),
    SubKey::req("mp", SubType::Str),
];

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data).into_owned();
    let text = format!("mp0: {value}\n");
    let v = Spanned::new(value.as_str(), Span::new(ID, 5, 5 + value.len()));
    let ps = propstring::parse(v);
    let problems = propstring::validate(&text, &ps, &[SCHEMA], v.span);
    let _ = (ps.positional(), ps.flag(&text, "backup"), ps.get(&text, "size"), ps.is_well_formed());
    if !text.contains("Span {") {
        for s in debug_spans(&format!("{ps:?} {problems:?}")) {
            check_span(&text, ID, s, "propstring");
        }
    }
});
