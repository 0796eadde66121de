//! C104: the tree lacks a file that some checks need; says once which file and how many
//! checks are off (the partial-tree policy, [`crate::partial`]).

use crate::context::Context;
use crate::partial::{codes_needing, INPUTS};
use pvelint_parse::{Diagnostic, Span};

crate::declare_rule!(
    PartialTree,
    "C104",
    "partial-tree",
    Info,
    "The tree lacks a file some checks need (storage.cfg, nodes/, corosync.conf): those checks are off, and this says which."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for input in INPUTS {
        if input.present(ctx) {
            continue;
        }
        let Some(file) = input.subject(ctx) else { continue };
        let codes = codes_needing(input);
        out.push(
            META.at(
                Span::new(file, 0, 0),
                format!(
                    "{}, so {} that {} {} off ({}); their findings are missing from this run",
                    input.missing(),
                    pvelint_parse::text::count(codes.len(), "check"),
                    input.checks(),
                    if codes.len() == 1 { "is" } else { "are" },
                    codes.join(", ")
                ),
            )
            .with_help("lint a complete copy of /etc/pve (pvelint reads it in place on a node), or ignore C104 when the copy is partial on purpose")
            .with_object("tree"),
        );
    }
}
