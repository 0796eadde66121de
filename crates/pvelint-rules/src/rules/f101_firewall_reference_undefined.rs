//! F101: A firewall rule names an IP set, alias or security group that is not defined
//! where Proxmox looks for it.

use crate::context::Context;
use crate::Diagnostic;
use pvelint_parse::firewall::{FwFile, FwRule, FwScope};
use pvelint_parse::{Span, Spanned};
use std::collections::BTreeMap;

crate::declare_rule!(
    FirewallReferenceUndefined,
    "F101",
    "firewall-reference-undefined",
    Error,
    "A firewall rule names an IP set, alias or security group that is not defined where Proxmox looks for it."
);

#[derive(Clone, Copy, PartialEq, Eq)]
enum What {
    Ipset,
    Alias,
}

impl What {
    fn noun(self) -> &'static str {
        match self {
            What::Ipset => "IP set",
            What::Alias => "alias",
        }
    }
    fn defs(self, f: &FwFile) -> &BTreeMap<String, Span> {
        match self {
            What::Ipset => &f.ipsets,
            What::Alias => &f.aliases,
        }
    }
}

/// `(dc/|guest/)?[A-Za-z][A-Za-z0-9_-]+`: an alias reference (addresses start with a digit
/// or hold a `:`).
fn alias_name(item: &str) -> Option<(&str, &str)> {
    let (scope, name) = split_scope(item);
    let b = name.as_bytes();
    let ok = b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_');
    ok.then_some((scope, name))
}

fn split_scope(s: &str) -> (&str, &str) {
    for p in ["dc/", "guest/", "sdn/"] {
        if let Some(rest) = s.strip_prefix(p) {
            return (p, rest);
        }
    }
    ("", s)
}

/// Where a reference resolves: the files searched, in order (`dc/` the cluster, `guest/`
/// the guest's own file, bare: the guest's file then the cluster).
fn search<'a>(file: &'a FwFile, cluster: Option<&'a FwFile>, scope: &str) -> Vec<&'a FwFile> {
    let own = matches!(file.scope, FwScope::Guest(_)).then_some(file);
    match scope {
        "dc/" => cluster.into_iter().collect(),
        "guest/" => own.into_iter().collect(),
        _ => own.into_iter().chain(cluster).collect(),
    }
}

fn message(rule: &str, what: What, written: &str, why: &str) -> String {
    format!("{rule} names {} '{written}', {why}; Proxmox skips the rule", what.noun())
}

fn check_item(
    ctx: &Context,
    file: &FwFile,
    rule: &FwRule,
    item: Spanned<&str>,
    what: What,
    out: &mut Vec<Diagnostic>,
) {
    let cluster = ctx.tree.firewall_cluster.as_ref();
    let (scope, name) = split_scope(item.value);
    if scope == "sdn/" {
        return;
    }
    // Without cluster.fw, what the cluster scope defines is unknown.
    if cluster.is_none() && scope != "guest/" {
        return;
    }
    let files = search(file, cluster, scope);
    // Alias names are compared lowercased; IP set names as written against lowercased
    // definitions.
    let key = if what == What::Alias { name.to_ascii_lowercase() } else { name.to_string() };
    let found = files.iter().find_map(|f| what.defs(f).get(&key).map(|s| (*f, *s)));
    let why = match found {
        // A definition below the rule in the same file is not known yet when the rule is read.
        Some((f, at)) if std::ptr::eq(f, file) && at.start > rule.line.start => {
            if files.iter().any(|g| !std::ptr::eq(*g, file) && what.defs(g).contains_key(&key)) {
                return;
            }
            "which this file defines only below the rule (Proxmox reads the file top down)".to_string()
        }
        Some(_) => return,
        None if what == What::Ipset && files.iter().any(|f| f.ipsets.contains_key(&name.to_ascii_lowercase())) => {
            "but IP set names are stored in lower case and references are not converted, so it never matches".to_string()
        }
        None => {
            let place = match scope {
                "dc/" => "which cluster.fw does not define",
                "guest/" if matches!(file.scope, FwScope::Guest(_)) => "which the guest's firewall file does not define",
                "guest/" => "but `guest/` names an alias of a guest's own file, and a rule of cluster.fw or host.fw has none",
                _ if matches!(file.scope, FwScope::Guest(_)) => "neither the guest's firewall file nor cluster.fw defines it",
                _ => "which cluster.fw does not define",
            };
            place.to_string()
        }
    };
    let label = rule_label(rule);
    out.push(
        META.at(item.span, message(&label, what, item.value, &why))
            .with_object(object(file))
            .with_help(format!(
                "define the {} ({}), or correct the name; `dc/` names the cluster's, `guest/` the guest's own",
                what.noun(),
                if what == What::Ipset { "`[IPSET name]`" } else { "`[ALIASES]`" }
            )),
    );
}

fn rule_label(rule: &FwRule) -> String {
    match &rule.group {
        Some(g) => format!("a rule of security group '{g}'"),
        None => "this rule".to_string(),
    }
}

fn object(file: &FwFile) -> String {
    super::f105_firewall_macro_unknown::object(&file.scope)
}

/// The items of `-source`/`-dest`: split on `,`, each with its span.
fn items(v: &Spanned<String>) -> Vec<Spanned<&str>> {
    let mut out = Vec::new();
    let mut at = 0;
    for part in v.value.split(',') {
        if !part.is_empty() {
            out.push(Spanned::new(part, v.span.sub(at, at + part.len())));
        }
        at += part.len() + 1;
    }
    out
}

fn check_file(ctx: &Context, file: &FwFile, out: &mut Vec<Diagnostic>) {
    for rule in file.rules.iter().filter(|r| r.enabled) {
        if rule.kind == "group" {
            let Some(cluster) = ctx.tree.firewall_cluster.as_ref() else { continue };
            let name = &rule.action.value;
            if cluster.groups.contains_key(name) {
                continue;
            }
            let why = if cluster.groups.contains_key(&name.to_ascii_lowercase()) {
                "but group names are stored in lower case and the reference is not converted, so it never matches"
            } else {
                "which cluster.fw does not define"
            };
            out.push(
                META.at(rule.action.span, format!("this rule jumps to security group '{name}', {why}; Proxmox creates an empty chain for it, so the rule matches nothing (\"no such security group\")"))
                    .with_object(object(file))
                    .with_help("define `[group name]` in cluster.fw, or correct the name (lower case)"),
            );
            continue;
        }
        for v in [&rule.source, &rule.dest].into_iter().flatten() {
            for item in items(v) {
                let body = item.value.strip_prefix('!').unwrap_or(item.value);
                let item = Spanned::new(body, item.span.sub(item.value.len() - body.len(), item.value.len()));
                if let Some(set) = body.strip_prefix('+') {
                    let item = Spanned::new(set, item.span.sub(1, body.len()));
                    check_item(ctx, file, rule, item, What::Ipset, out);
                } else if alias_name(body).is_some() {
                    check_item(ctx, file, rule, item, What::Alias, out);
                }
            }
        }
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let t = ctx.tree;
    for f in t.firewall_cluster.iter().chain(t.firewall_hosts.values()).chain(t.firewall_guests.values()) {
        check_file(ctx, f, out);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn alias_names() {
        assert!(super::alias_name("office").is_some());
        assert!(super::alias_name("dc/office").is_some());
        assert!(super::alias_name("10.0.0.1").is_none());
        assert!(super::alias_name("fe80::1").is_none());
        assert!(super::alias_name("10.0.0.1-10.0.0.9").is_none());
    }
}
