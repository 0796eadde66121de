//! `/etc/pve/corosync.conf`: the nested `name { key: value }` format, read the way
//! `PVE::Corosync::parse_conf` (pve-cluster) reads it:
//!
//! * everything from a `#` to the end of its line is removed (also in the middle of a
//!   value), then the whole text is split into words on whitespace;
//! * a word followed by the word `{` opens a block; `}` closes it;
//! * any other word must end with `:` and is a key; the next word is its value (so a
//!   value cannot contain spaces); a later key of the same name in a block wins;
//! * `node` and `interface` blocks may repeat; any other repeated block, a `}` without
//!   a block, a key without `:` or a key without a value make the parser die: `pvecm`
//!   and the cluster API cannot read the file;
//! * nodes are keyed by `name`, or by `ring0_addr` when there is no `name`.
//!
//! The parser here does not stop at the first error: it reports it and carries on, so
//! that the model still holds the node list.

use crate::diag::Diagnostic;
use crate::source::SourceFile;
use crate::span::{FileId, Span, Spanned};
use crate::syntax;
use std::collections::{BTreeMap, BTreeSet};

/// A `key: value` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key without its `:`.
    pub key: Spanned<String>,
    pub value: Spanned<String>,
}

/// A `name { … }` block (the root block has an empty name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub name: Spanned<String>,
    /// From the name to the closing brace (or the end of the file when it is missing).
    pub span: Span,
    pub entries: Vec<Entry>,
    pub blocks: Vec<Block>,
}

impl Default for Block {
    fn default() -> Self {
        Block {
            name: Spanned::new(String::new(), Span::default()),
            span: Span::default(),
            entries: Vec::new(),
            blocks: Vec::new(),
        }
    }
}

impl Block {
    /// The value Proxmox uses for `key` (the last occurrence).
    pub fn get(&self, key: &str) -> Option<&Spanned<String>> {
        self.entries.iter().rev().find(|e| e.key.value == key).map(|e| &e.value)
    }

    /// Child blocks called `name`, in file order.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.name.value == name)
    }

    /// The first child block called `name`.
    pub fn child(&self, name: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.name.value == name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorosyncNode {
    /// `name`, or `ring0_addr` when the node has no name (see `name_from_ring0_addr`).
    pub name: Spanned<String>,
    pub nodeid: Option<Spanned<String>>,
    pub ring0_addr: Option<Spanned<String>>,
    pub quorum_votes: Option<Spanned<String>>,
    /// Every `ringN_addr` / `linkN_addr` of the node, by key.
    pub links: BTreeMap<String, Spanned<String>>,
    /// The node has no `name`, so Proxmox names it after its `ring0_addr`.
    pub name_from_ring0_addr: bool,
    /// The `node { … }` block.
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Corosync {
    pub file: FileId,
    /// `totem { cluster_name }`.
    pub cluster_name: Option<Spanned<String>>,
    /// `totem { config_version }`.
    pub config_version: Option<Spanned<String>>,
    /// The nodes Proxmox knows, in file order (a later node with the same name replaces
    /// an earlier one, as in Proxmox's hash).
    pub nodes: Vec<CorosyncNode>,
    /// The whole file as blocks.
    pub root: Block,
    /// The version pmxcfs reads to decide whether to copy the file to
    /// `/etc/corosync/corosync.conf`: the digits of the first match of
    /// `config_version\s*:\s*(\d+)` anywhere in the text, comments included (pve-cluster
    /// `src/pmxcfs/cfs-utils.c` → `cluster_config_version`). `None` when nothing matches.
    pub pmxcfs_version: Option<Spanned<String>>,
}

impl Corosync {
    pub fn node_names(&self) -> BTreeSet<String> {
        self.nodes.iter().map(|n| n.name.value.clone()).collect()
    }

    pub fn node(&self, name: &str) -> Option<&CorosyncNode> {
        self.nodes.iter().find(|n| n.name.value == name)
    }

    pub fn totem(&self) -> Option<&Block> {
        self.root.child("totem")
    }
}

/// Perl's `\s` on a byte string.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

struct Token<'a> {
    text: &'a str,
    span: Span,
    line: usize,
}

/// Removes `#…` per line and splits into words. Reports a `#` glued to a word, where
/// Proxmox reads less than what is written.
fn tokenize<'a>(file: &'a SourceFile, diags: &mut Vec<Diagnostic>) -> Vec<Token<'a>> {
    let mut tokens = Vec::new();
    for (line_no, (span, line)) in file.lines().enumerate() {
        let (code, comment) = match line.find('#') {
            Some(h) => (&line[..h], Some(h)),
            None => (line, None),
        };
        let mut pos = 0;
        for word in code.split(is_space) {
            if !word.is_empty() {
                tokens.push(Token { text: word, span: span.sub(pos, pos + word.len()), line: line_no });
            }
            pos += word.len() + 1;
        }
        if let Some(h) = comment {
            if h > 0 && !code.ends_with(is_space) {
                let rest = &line[h..];
                let word_end = rest.find(is_space).unwrap_or(rest.len());
                let glued = tokens.last().filter(|t| t.line == line_no).map(|t| t.text).unwrap_or("");
                diags.push(
                    syntax::INVALID_VALUE
                        .at(span.sub(h, h + word_end), format!("Proxmox's corosync.conf parser treats '#' as the start of a comment anywhere in a line, so it reads '{glued}' and drops '{}'", &rest[..word_end]))
                        .with_severity(crate::Severity::Warning)
                        .with_help("do not use '#' inside names or values; put comments on their own line")
                        .with_object("file"),
                );
            }
        }
    }
    tokens
}

const DIES: &str =
    "Proxmox's corosync.conf parser stops with an error here, so `pvecm` and the cluster API cannot read the file";

fn is_array_section(name: &str) -> bool {
    name == "node" || name == "interface"
}

/// The lookups of one open block while parsing (see `parse`).
#[derive(Default)]
struct BlockIndex {
    keys: std::collections::HashMap<String, usize>,
    blocks: std::collections::HashMap<String, usize>,
}

pub fn parse(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> Corosync {
    let tokens = tokenize(file, diags);
    let mut stack: Vec<Block> = vec![Block {
        name: Spanned::new(String::new(), file.span().at_start()),
        span: file.span(),
        ..Block::default()
    }];
    // Per open block: where its first entry with each key and its first child block with
    // each name are, so that duplicate checks are lookups, not scans of the block (a block
    // of n distinct keys would cost O(n²)).
    let mut index: Vec<BlockIndex> = vec![BlockIndex::default()];
    let mut err_line: Option<usize> = None;
    let mut i = 0;
    while i < tokens.len() {
        let tok = &tokens[i];
        let next = tokens.get(i + 1);
        if next.is_some_and(|n| n.text == "{") {
            let parent = stack.last();
            if !is_array_section(tok.text) {
                let prev = index.last().and_then(|x| x.blocks.get(tok.text)).and_then(|&k| parent?.blocks.get(k));
                if let Some(prev) = prev {
                    diags.push(
                        syntax::DUPLICATE_SECTION_ID
                            .at(tok.span, format!("block '{}' appears twice in the same place; {DIES}", tok.text))
                            .with_label(prev.name.span, "first block")
                            .with_help("merge the two blocks into one")
                            .with_object("file"),
                    );
                }
            }
            let start = tok.span;
            stack.push(Block { name: Spanned::new(tok.text.to_string(), tok.span), span: start, ..Block::default() });
            index.push(BlockIndex::default());
            i += 2;
            continue;
        }
        if tok.text == "}" {
            if stack.len() > 1 {
                if let Some(mut b) = stack.pop() {
                    index.pop();
                    b.span.end = tok.span.end;
                    if let Some(parent) = stack.last_mut() {
                        if let Some(x) = index.last_mut() {
                            x.blocks.entry(b.name.value.clone()).or_insert(parent.blocks.len());
                        }
                        parent.blocks.push(b);
                    }
                }
            } else {
                diags.push(
                    syntax::UNPARSABLE_LINE
                        .at(tok.span, format!("this '}}' closes no block; {DIES}"))
                        .with_help("remove the extra '}'")
                        .with_object("file"),
                );
            }
            i += 1;
            continue;
        }
        let Some(key) = tok.text.strip_suffix(':').filter(|k| !k.is_empty()) else {
            if err_line != Some(tok.line) {
                err_line = Some(tok.line);
                let prev_same_line =
                    i > 0 && tokens[i - 1].line == tok.line && tokens[i - 1].text != "{" && tokens[i - 1].text != "}";
                let (msg, help) = if let Some((k, v)) =
                    tok.text.split_once(':').filter(|(k, v)| !k.is_empty() && !v.is_empty() && !tok.text.ends_with(':'))
                {
                    (format!("'{}' has no space after the ':'; {DIES}", tok.text), format!("write `{k}: {v}`"))
                } else if tok.text.ends_with('{') || tok.text.starts_with('{') {
                    (
                        format!("'{}': a '{{' must be a word of its own; {DIES}", tok.text),
                        "put spaces around '{'".to_string(),
                    )
                } else if prev_same_line {
                    (
                        format!("'{}' is read as a new key because values cannot contain spaces; {DIES}", tok.text),
                        "remove the space from the value".to_string(),
                    )
                } else {
                    (
                        format!("'{}' is neither `key:`, a block name followed by '{{', nor '}}'; {DIES}", tok.text),
                        "write settings as `key: value`".to_string(),
                    )
                };
                diags.push(syntax::UNPARSABLE_LINE.at(tok.span, msg).with_help(help).with_object("file"));
            }
            // `key:value` without a space: keep what corosync itself reads, so that the
            // model (node names above all) stays useful.
            if let Some((k, v)) = tok.text.split_once(':').filter(|(k, v)| !k.is_empty() && !v.is_empty()) {
                if let Some(block) = stack.last_mut() {
                    let vs = k.len() + 1;
                    if let Some(x) = index.last_mut() {
                        x.keys.entry(k.to_string()).or_insert(block.entries.len());
                    }
                    block.entries.push(Entry {
                        key: Spanned::new(k.to_string(), tok.span.sub(0, k.len())),
                        value: Spanned::new(v.to_string(), tok.span.sub(vs, vs + v.len())),
                    });
                }
            }
            i += 1;
            continue;
        };
        let value = next.filter(|n| n.text != "{" && n.text != "}" && !(n.line != tok.line && n.text.ends_with(':')));
        let Some(value) = value else {
            diags.push(
                syntax::MISSING_VALUE
                    .at(tok.span, format!("key '{key}' has no value; {DIES}"))
                    .with_help(format!("write `{key}: <value>` or remove the line"))
                    .with_object("file")
                    .with_key(key),
            );
            i += 1;
            continue;
        };
        let entry = Entry {
            key: Spanned::new(key.to_string(), tok.span.sub(0, key.len())),
            value: Spanned::new(value.text.to_string(), value.span),
        };
        if let Some(block) = stack.last_mut() {
            let x = index.last_mut().expect("one index per open block");
            let first = *x.keys.entry(key.to_string()).or_insert(block.entries.len());
            if let Some(prev) = block.entries.get(first) {
                let where_ = if block.name.value.is_empty() {
                    "at the top level".to_string()
                } else {
                    format!("in block '{}'", block.name.value)
                };
                diags.push(
                    syntax::DUPLICATE_KEY
                        .at(
                            entry.key.span,
                            format!(
                                "'{}' is set twice {where_}; Proxmox uses this later value '{}'",
                                crate::diag::quote_bounded(key),
                                crate::diag::quote_bounded(&entry.value.value)
                            ),
                        )
                        .with_label(prev.value.span, "this value is ignored")
                        .with_help("remove one of the lines")
                        .with_object("file")
                        .with_key(key),
                );
            }
            block.entries.push(entry);
        }
        i += 2;
    }
    // Unclosed blocks: attach them to their parents so the model keeps them.
    while stack.len() > 1 {
        if let Some(mut b) = stack.pop() {
            b.span.end = file.text.len() as u32;
            diags.push(
                syntax::UNPARSABLE_LINE
                    .at(b.name.span, format!("block '{}' is never closed with '}}'; corosync refuses a configuration with a missing closing brace", b.name.value))
                    .with_help("add the missing '}'")
                    .with_object("file"),
            );
            if let Some(parent) = stack.last_mut() {
                parent.blocks.push(b);
            }
        }
    }
    let root = stack.pop().unwrap_or_default();
    // A later node block with the same name replaces the earlier one: slots emptied in
    // place and a name index, instead of a search and a `Vec::remove` per node.
    let mut nodes: Vec<Option<CorosyncNode>> = Vec::new();
    let mut by_name: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for nodelist in root.children("nodelist") {
        for nb in nodelist.children("node") {
            let name = nb.get("name").cloned();
            let ring0 = nb.get("ring0_addr").cloned();
            let Some(effective) = name.clone().or_else(|| ring0.clone()) else {
                diags.push(
                    syntax::MISSING_REQUIRED_KEY
                        .at(nb.name.span, "this node has neither 'name' nor 'ring0_addr'; Proxmox cannot name it and lists it under an empty name")
                        .with_help("add `name: <node name>` to the node block")
                        .with_object("file")
                        .with_key("name"),
                );
                continue;
            };
            let links = nb
                .entries
                .iter()
                .filter(|e| is_link_key(&e.key.value))
                .map(|e| (e.key.value.clone(), nb.get(&e.key.value).cloned().unwrap_or_else(|| e.value.clone())))
                .collect();
            let node = CorosyncNode {
                name: effective,
                nodeid: nb.get("nodeid").cloned(),
                ring0_addr: ring0,
                quorum_votes: nb.get("quorum_votes").cloned(),
                links,
                name_from_ring0_addr: name.is_none(),
                span: nb.span,
            };
            if let Some(earlier) = by_name.get(&node.name.value).and_then(|&pos| nodes[pos].take()) {
                diags.push(
                    syntax::DUPLICATE_SECTION_ID
                        .at(
                            node.name.span,
                            format!(
                                "node '{}' is listed twice in the nodelist; Proxmox keeps only this later entry",
                                node.name.value
                            ),
                        )
                        .with_label(earlier.name.span, "earlier entry, ignored by Proxmox")
                        .with_help("remove or rename one of the node blocks")
                        .with_object(format!("node:{}", node.name.value)),
                );
            }
            by_name.insert(node.name.value.clone(), nodes.len());
            nodes.push(Some(node));
        }
    }
    let nodes: Vec<CorosyncNode> = nodes.into_iter().flatten().collect();
    let totem = root.child("totem");
    Corosync {
        file: file.id,
        cluster_name: totem.and_then(|t| t.get("cluster_name")).cloned(),
        config_version: totem.and_then(|t| t.get("config_version")).cloned(),
        nodes,
        root,
        pmxcfs_version: pmxcfs_version(file),
    }
}

/// The first `config_version\s*:\s*(\d+)` of the raw text, as pmxcfs's regex finds it.
fn pmxcfs_version(file: &SourceFile) -> Option<Spanned<String>> {
    let text = file.text.as_str();
    let bytes = text.as_bytes();
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c');
    let mut from = 0;
    while let Some(found) = text[from..].find("config_version") {
        let mut i = from + found + "config_version".len();
        from = from + found + 1;
        while i < bytes.len() && space(bytes[i]) {
            i += 1;
        }
        if bytes.get(i) != Some(&b':') {
            continue;
        }
        i += 1;
        while i < bytes.len() && space(bytes[i]) {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i > start {
            return Some(Spanned::new(text[start..i].to_string(), file.span().sub(start, i)));
        }
    }
    None
}

/// `^(ring|link)(\d+)_addr$`.
fn is_link_key(k: &str) -> bool {
    let rest = k.strip_prefix("ring").or_else(|| k.strip_prefix("link"));
    rest.and_then(|r| r.strip_suffix("_addr")).is_some_and(|d| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "logging {\n  debug: off\n  to_syslog: yes\n}\n\nnodelist {\n  node {\n    name: pve1\n    nodeid: 1\n    quorum_votes: 1\n    ring0_addr: 10.0.0.1\n    ring1_addr: 192.168.1.1\n  }\n  node {\n    nodeid: 2\n    ring0_addr: 10.0.0.2\n  }\n}\n\nquorum {\n  provider: corosync_votequorum\n}\n\ntotem {\n  cluster_name: lab\n  config_version: 3\n  interface {\n    linknumber: 0\n  }\n  interface {\n    linknumber: 1\n  }\n  secauth: on\n  version: 2\n}\n";

    fn run(text: &str) -> (Corosync, Vec<Diagnostic>) {
        let f = SourceFile::new(FileId(4), "corosync.conf", text.to_string());
        let mut d = Vec::new();
        (parse(&f, &mut d), d)
    }

    fn codes(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().map(|d| d.code).collect()
    }

    #[test]
    fn reads_nodes_and_totem() {
        let (c, d) = run(GOOD);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.node_names(), BTreeSet::from(["pve1".to_string(), "10.0.0.2".to_string()]));
        let n = &c.nodes[0];
        assert_eq!(&GOOD[n.name.span.range()], "pve1");
        assert_eq!(n.nodeid.as_ref().unwrap().value, "1");
        assert_eq!(&GOOD[n.ring0_addr.as_ref().unwrap().span.range()], "10.0.0.1");
        assert_eq!(n.links.len(), 2);
        assert!(!n.name_from_ring0_addr);
        assert!(GOOD[n.span.range()].starts_with("node {") && GOOD[n.span.range()].ends_with('}'));
        assert!(c.nodes[1].name_from_ring0_addr);
        let cn = c.cluster_name.as_ref().unwrap();
        assert_eq!(cn.value, "lab");
        assert_eq!(&GOOD[cn.span.range()], "lab");
        assert_eq!(c.config_version.as_ref().unwrap().value, "3");
        assert_eq!(c.totem().unwrap().children("interface").count(), 2);
    }

    #[test]
    fn comments_and_crlf() {
        let text = "# header\r\ntotem {\r\n  cluster_name: a#b\r\n  version: 2 # trailing\r\n}\r\nnodelist {\r\n node {\r\n  name: x\r\n }\r\n}\r\n";
        let (c, d) = run(text);
        assert_eq!(codes(&d), vec!["P008"]);
        assert_eq!(d[0].severity, crate::Severity::Warning);
        assert_eq!(c.cluster_name.as_ref().unwrap().value, "a");
        assert_eq!(c.totem().unwrap().get("version").unwrap().value, "2");
        assert_eq!(c.node_names().len(), 1);
    }

    #[test]
    fn syntax_errors_are_reported_and_recovered() {
        let text = "totem {\n  cluster_name: my cluster\n  version:2\n}\ntotem {\n}\nnodelist {\n  node{\n    name: a\n  }\n  node {\n    name:\n  }\n}\n";
        let (c, d) = run(text);
        assert_eq!(codes(&d), vec!["P004", "P004", "P013", "P004", "P009", "P004"]);
        // The node after the broken `node{` is still read as far as possible.
        assert!(c.root.child("nodelist").is_some());
    }

    #[test]
    fn unclosed_block_and_duplicate_nodes() {
        let text = "nodelist {\n  node {\n    name: a\n    nodeid: 1\n  }\n  node {\n    name: a\n    nodeid: 2\n  }\n";
        let (c, d) = run(text);
        assert_eq!(codes(&d), vec!["P004", "P013"]);
        assert_eq!(c.nodes.len(), 1);
        assert_eq!(c.nodes[0].nodeid.as_ref().unwrap().value, "2");
    }

    #[test]
    fn glued_key_value_is_reported_but_kept() {
        let text = "nodelist {\n  node {\n    name:pve1\n    ring0_addr:fd00::1\n  }\n}\n";
        let (c, d) = run(text);
        assert_eq!(codes(&d), vec!["P004", "P004"]);
        assert_eq!(c.node_names(), BTreeSet::from(["pve1".to_string()]));
        let n = &c.nodes[0];
        assert_eq!(&text[n.name.span.range()], "pve1");
        assert_eq!(n.ring0_addr.as_ref().unwrap().value, "fd00::1");
    }

    #[test]
    fn duplicate_key_last_wins() {
        let (c, d) = run("totem {\n cluster_name: a\n cluster_name: b\n}\n");
        assert_eq!(codes(&d), vec!["P006"]);
        assert_eq!(c.cluster_name.unwrap().value, "b");
    }

    #[test]
    fn empty_and_garbage_never_panic() {
        for t in ["", "{", "}", ":", "a", "a:", "é: ü {", "x {\n", "# only", "\u{a0}name:\u{a0}x"] {
            let _ = run(t);
        }
    }

    fn dump(text: &str) -> String {
        let f = SourceFile::new(FileId(0), "corosync.conf", text.to_string());
        let mut d = Vec::new();
        let c = parse(&f, &mut d);
        let loc = |s: crate::Span| crate::testutil::range(&f, s);
        let mut out = String::new();
        if let Some(n) = &c.cluster_name {
            out += &format!("cluster_name {} @{}\n", n.value, loc(n.span));
        }
        for n in &c.nodes {
            out += &format!(
                "node {} from_ring0={} @{} block @{}\n",
                n.name.value,
                n.name_from_ring0_addr,
                loc(n.name.span),
                loc(n.span)
            );
            if let Some(id) = &n.nodeid {
                out += &format!("  nodeid {} @{}\n", id.value, loc(id.span));
            }
            for (k, v) in &n.links {
                out += &format!("  {k} {} @{}\n", v.value, loc(v.span));
            }
        }
        fn walk(b: &Block, depth: usize, out: &mut String, loc: &dyn Fn(Span) -> String) {
            for e in &b.entries {
                *out += &format!("{}{}: {} @{}\n", "  ".repeat(depth), e.key.value, e.value.value, loc(e.value.span));
            }
            for c in &b.blocks {
                *out += &format!("{}{} {{ @{}\n", "  ".repeat(depth), c.name.value, loc(c.span));
                walk(c, depth + 1, out, loc);
            }
        }
        out += "tree:\n";
        walk(&c.root, 1, &mut out, &loc);
        out += &crate::testutil::diag_lines(&f, &d);
        out
    }

    #[test]
    fn snapshots() {
        insta::glob!("../../../../testdata/parse/corosync", "*.conf", |path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            insta::assert_snapshot!(dump(&text));
        });
    }

    /// Runs over the real configurations of the shared corpus: no findings expected.
    #[test]
    #[ignore]
    fn corpus_real_files() {
        crate::testutil::assert_corpus_clean(&crate::testutil::named("corosync.conf"), &|_, f, d| {
            parse(f, d);
        });
    }
}
