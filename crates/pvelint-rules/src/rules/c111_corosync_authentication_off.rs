//! C111: corosync.conf enables neither secauth nor a crypto_cipher: cluster traffic is
//! not authenticated.

use crate::context::Context;
use pvelint_parse::Diagnostic;

crate::declare_rule!(
    CorosyncAuthenticationOff,
    "C111",
    "corosync-authentication-off",
    Warning,
    "corosync.conf enables neither secauth nor a crypto_cipher: cluster traffic is not authenticated."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(c) = &ctx.tree.corosync else { return };
    let Some(totem) = c.totem() else { return };
    let secauth = totem.get("secauth");
    let cipher = totem.get("crypto_cipher");
    if secauth.is_some_and(|v| v.value == "on") || cipher.is_some_and(|v| v.value != "none") {
        return;
    }
    let (at, what) = match (secauth, cipher) {
        (_, Some(v)) => (v.span, "`crypto_cipher: none`".to_string()),
        (Some(v), None) => (v.span, format!("`secauth: {}` and no `crypto_cipher`", v.value)),
        (None, None) => (totem.name.span, "neither `secauth: on` nor a `crypto_cipher`".to_string()),
    };
    out.push(
        META.at(
            at,
            format!("the totem block has {what}: corosync neither authenticates nor encrypts cluster traffic, so anyone who can reach the cluster network can inject messages into pmxcfs (and with it /etc/pve) or disturb quorum"),
        )
        .with_help("set `secauth: on` in the totem block (what `pvecm create` writes), then raise `config_version`; all nodes must change together")
        .with_object("file")
        .with_key("secauth"),
    );
}
