//! `/etc/pve/user.cfg`: the `pool:` records, the names of `role:` records and the roles
//! of `acl:` records are read.
//!
//! The other records and fields (`user:`, `group:`, `token:`, realms, an ACL's users and
//! groups, a role's privileges) can hold personal data or token IDs: they are skipped
//! without looking at them, and no text of theirs ever goes into the model or a message.
//! A role line is `role:<name>:<privileges>:`; an ACL line is
//! `acl:<propagate>:<path>:<users and groups>:<roles>:`.
//!
//! `PVE::AccessControl::parse_user_config` (pve-access-control): every line is trimmed,
//! split on `:` and each field trimmed. A pool line is
//! `pool:<name>:<comment>:<vmid list>:<storage list>:`.
//! * a pool name that is not `[A-Za-z0-9.\-_]+` (nested pools: up to three such parts
//!   separated by `/`) makes Proxmox ignore the line;
//! * list entries are split on `,`, `;` and whitespace; a VMID that is not all digits,
//!   or a storage ID that is not valid, is ignored; a VMID already in a pool (this one or
//!   an earlier one) is ignored: a guest belongs to the first pool that lists it.

use crate::diag::Diagnostic;
use crate::source::SourceFile;
use crate::span::{FileId, Span, Spanned};
use crate::syntax;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    pub name: Spanned<String>,
    /// The guests Proxmox puts in this pool, in written order.
    pub vmids: Vec<Spanned<u32>>,
    pub storages: Vec<Spanned<String>>,
    /// The whole line.
    pub line: Span,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserConfig {
    pub file: FileId,
    /// Pools in file order. A pool written on several lines is one pool (Proxmox merges
    /// the members); its `name` and `line` are those of the first line.
    pub pools: Vec<Pool>,
    /// The names of `role:` lines, in file order.
    pub roles: Vec<Spanned<String>>,
    /// Every role an `acl:` line grants, in file order, with the ACL's path.
    pub acl_roles: Vec<AclRole>,
}

/// A role granted by an `acl:` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclRole {
    pub role: Spanned<String>,
    pub path: Spanned<String>,
    /// The whole line.
    pub line: Span,
}

impl UserConfig {}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\x0b' | '\x0c')
}

fn is_pool_part(p: &str) -> bool {
    !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
}

/// `verify_poolname`, allowing the nested form `a/b/c` of PVE 8.
fn is_pool_name(p: &str) -> bool {
    let parts: Vec<&str> = p.split('/').collect();
    parts.len() <= 3 && parts.iter().all(|x| is_pool_part(x))
}

fn is_storage_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// Fields of a line split on `:` and trimmed, as `(start, end)` byte ranges.
fn fields(line: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for part in line.split(':') {
        let lead = part.len() - part.trim_start_matches(is_space).len();
        let t = part.trim_matches(is_space);
        out.push((start + lead, start + lead + t.len()));
        start += part.len() + 1;
    }
    out
}

pub fn parse(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> UserConfig {
    let mut pools: Vec<Pool> = Vec::new();
    let mut by_name: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    // VMID → (pool, span) of the membership Proxmox keeps.
    let mut member: BTreeMap<u32, (String, Span)> = BTreeMap::new();
    let mut roles = Vec::new();
    let mut acl_roles = Vec::new();
    for (span, line) in file.lines() {
        let f = fields(line);
        let Some(&(ts, te)) = f.first() else { continue };
        let field = |i: usize| f.get(i).map(|&(a, b)| (&line[a..b], span.sub(a, b)));
        // Only these fields of role and ACL records; anything else is never looked at.
        match &line[ts..te] {
            "pool" => {}
            "role" => {
                if let Some((name, at)) = field(1).filter(|(n, _)| !n.is_empty()) {
                    roles.push(Spanned::new(name.to_string(), at));
                }
                continue;
            }
            "acl" => {
                let (Some((path, path_at)), Some((list, list_at))) = (field(2), field(4)) else { continue };
                for (a, b) in crate::ha::split_list(list) {
                    acl_roles.push(AclRole {
                        role: Spanned::new(list[a..b].to_string(), list_at.sub(a, b)),
                        path: Spanned::new(path.to_string(), path_at),
                        line: span,
                    });
                }
                continue;
            }
            _ => continue,
        }
        let Some((name, name_span)) = field(1) else { continue };
        if !is_pool_name(name) {
            diags.push(
                syntax::INVALID_VALUE
                    .at(if name.is_empty() { span } else { name_span }, format!("pool name '{name}' has characters Proxmox does not allow, so it ignores the whole pool line"))
                    .with_help("pool names use letters, digits, '.', '-' and '_' (nested pools: up to three names joined by '/')")
                    .with_object(format!("pool:{name}")),
            );
            continue;
        }
        let mut pool = Pool {
            name: Spanned::new(name.to_string(), name_span),
            vmids: Vec::new(),
            storages: Vec::new(),
            line: span,
        };
        if let Some((list, lspan)) = field(3) {
            for (a, b) in crate::ha::split_list(list) {
                let item = &list[a..b];
                let ispan = lspan.sub(a, b);
                if !item.bytes().all(|c| c.is_ascii_digit()) {
                    diags.push(
                        syntax::INVALID_VALUE
                            .at(
                                ispan,
                                format!(
                                    "'{}' in pool '{name}' is not a VMID; Proxmox ignores it",
                                    crate::diag::quote_bounded(item)
                                ),
                            )
                            .with_object(format!("pool:{name}")),
                    );
                    continue;
                }
                let Ok(vmid) = item.parse::<u32>() else {
                    diags.push(
                        syntax::INVALID_VALUE
                            .at(
                                ispan,
                                format!(
                                    "'{}' in pool '{name}' is too large to be a VMID",
                                    crate::diag::quote_bounded(item)
                                ),
                            )
                            .with_object(format!("pool:{name}")),
                    );
                    continue;
                };
                if let Some((first_pool, first_span)) = member.get(&vmid) {
                    // Listed twice in the same pool: harmless, the guest is in the pool.
                    if first_pool != name {
                        diags.push(
                            syntax::DUPLICATE_KEY
                                .at(ispan, format!("guest {vmid} is already in pool '{first_pool}'; Proxmox ignores it here, a guest belongs to one pool only"))
                                .with_label(*first_span, "membership that Proxmox keeps")
                                .with_object(format!("guest:{vmid}"))
                                .with_key("pool")
                                .with_help("remove the guest from one of the pools"),
                        );
                    }
                    continue;
                }
                member.insert(vmid, (name.to_string(), ispan));
                pool.vmids.push(Spanned::new(vmid, ispan));
            }
        }
        if let Some((list, lspan)) = field(4) {
            for (a, b) in crate::ha::split_list(list) {
                let item = &list[a..b];
                let ispan = lspan.sub(a, b);
                if !is_storage_id(item) {
                    diags.push(
                        syntax::INVALID_VALUE
                            .at(
                                ispan,
                                format!("'{item}' in pool '{name}' is not a valid storage ID; Proxmox ignores it"),
                            )
                            .with_object(format!("pool:{name}")),
                    );
                    continue;
                }
                pool.storages.push(Spanned::new(item.to_string(), ispan));
            }
        }
        // Lines of the same pool merge into the first: found through an index, not a
        // search of every pool so far.
        match by_name.get(&pool.name.value) {
            Some(&k) => {
                let existing: &mut Pool = &mut pools[k];
                existing.vmids.extend(pool.vmids);
                existing.storages.extend(pool.storages);
            }
            None => {
                by_name.insert(pool.name.value.clone(), pools.len());
                pools.push(pool);
            }
        }
    }
    UserConfig { file: file.id, pools, roles, acl_roles }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "user:alice@pve:1:0:Alice:Secret:alice@example.com:hidden-comment::\n\
token:alice@pve!ci:0:1:tok-comment:\n\
acl:1:/vms/100:alice@pve:PVEVMAdmin:\n";

    fn run(text: &str) -> (UserConfig, Vec<Diagnostic>) {
        let f = SourceFile::new(FileId(5), "user.cfg", text.to_string());
        let mut d = Vec::new();
        (parse(&f, &mut d), d)
    }

    #[test]
    fn reads_pools_with_spans() {
        let text = format!("{SECRET}\npool:prod:Production%20VMs:100,101;102:local,nas:\npool: empty ::::\n");
        let (c, d) = run(&text);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.pools.len(), 2);
        let p = &c.pools[0];
        assert_eq!(p.name.value, "prod");
        assert_eq!(&text[p.name.span.range()], "prod");
        let ids: Vec<u32> = p.vmids.iter().map(|v| v.value).collect();
        assert_eq!(ids, vec![100, 101, 102]);
        assert_eq!(&text[p.vmids[2].span.range()], "102");
        let st: Vec<_> = p.storages.iter().map(|s| &text[s.span.range()]).collect();
        assert_eq!(st, vec!["local", "nas"]);
        assert_eq!(&text[p.line.range()], "pool:prod:Production%20VMs:100,101;102:local,nas:");
        assert_eq!(c.pools[1].name.value, "empty");
    }

    #[test]
    fn first_pool_wins_and_bad_entries_are_dropped() {
        let (c, d) = run("pool:a::100,abc:1bad,ok1:\npool:b::100,200:\npool:bad name::300:\npool:x/y::301:\n");
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec!["P008", "P008", "P006", "P008"]);
        assert_eq!(c.pools.len(), 3);
        let names: Vec<&str> = c.pools.iter().map(|p| p.name.value.as_str()).collect();
        assert_eq!(names, ["a", "b", "x/y"]);
    }

    #[test]
    fn pool_lines_merge() {
        let (c, d) = run("pool:a::100::\npool:b::200::\npool:a::101:local:\n");
        assert!(d.is_empty());
        assert_eq!(c.pools.len(), 2);
        let ids: Vec<u32> = c.pools[0].vmids.iter().map(|v| v.value).collect();
        assert_eq!(ids, vec![100, 101]);
        assert_eq!(c.pools[0].storages.len(), 1);
    }

    #[test]
    fn never_echoes_other_records() {
        let text = format!("{SECRET}user:broken line without fields\ngarbage\n");
        let (c, d) = run(&text);
        assert!(c.pools.is_empty());
        assert!(d.is_empty());
    }

    fn dump(text: &str) -> String {
        let f = SourceFile::new(FileId(0), "user.cfg", text.to_string());
        let mut d = Vec::new();
        let c = parse(&f, &mut d);
        let loc = |s: crate::Span| crate::testutil::range(&f, s);
        let mut out = String::new();
        for r in &c.roles {
            out += &format!("role {} @{}\n", r.value, loc(r.span));
        }
        for a in &c.acl_roles {
            out += &format!("acl {} grants {} @{}\n", a.path.value, a.role.value, loc(a.role.span));
        }
        for p in &c.pools {
            out += &format!("pool {} @{}\n", p.name.value, loc(p.name.span));
            for v in &p.vmids {
                out += &format!("  vmid {} @{}\n", v.value, loc(v.span));
            }
            for s in &p.storages {
                out += &format!("  storage {} @{}\n", s.value, loc(s.span));
            }
        }
        out += &crate::testutil::diag_lines(&f, &d);
        out
    }

    #[test]
    fn snapshots() {
        insta::glob!("../../../../testdata/parse/user", "*.cfg", |path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let out = dump(&text);
            assert!(!out.contains("hidden-comment") && !out.contains("example.org"));
            insta::assert_snapshot!(out);
        });
    }

    /// Runs over the real configurations of the shared corpus: no findings expected.
    #[test]
    #[ignore]
    fn corpus_real_files() {
        crate::testutil::assert_corpus_clean(&crate::testutil::named("user.cfg"), &|_, f, d| {
            parse(f, d);
        });
    }
}
