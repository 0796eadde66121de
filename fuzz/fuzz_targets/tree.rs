//! The whole pipeline on a small in-memory tree: load, every rule, every output format.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pvelint::output::{self as render, FullStyle, Links, Summary};
use pvelint_fuzz::{check_span, tree_input};

fuzz_target!(|data: &[u8]| {
    let input = tree_input(data);
    let (tree, diags) = pvelint::lint(input, |_| true);
    for d in tree.diagnostics.iter().chain(&diags) {
        for s in std::iter::once(d.span).chain(d.labels.iter().map(|l| l.span)) {
            let f = tree.files.get(s.file.0 as usize).unwrap_or_else(|| panic!("{}: span {s:?} names no file", d.code));
            check_span(&f.text, s.file, s, d.code);
        }
    }
    let summary = Summary::of(&tree, &diags);
    let _ = render::json(&tree, &diags, Links::default());
    let _ = render::concise(&tree, &diags);
    let _ = render::full(&tree, &diags, FullStyle { color: true, width: 80 }, Links::default());
    let _ = render::summary_line(&summary);
});
