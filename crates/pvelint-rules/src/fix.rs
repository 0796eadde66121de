//! Automatic fixes: the engine that applies the fixes of findings to a tree's bytes (no
//! file system: the CLI reads and writes), the helpers rules build fixes with, and the
//! shell quoting of the Proxmox commands that apply a fix on a live cluster.
//!
//! The model is ruff's: a fix is safe or unsafe; its edits are byte ranges of one or more
//! files; in one pass, fixes are taken in position order and a fix whose edits touch
//! bytes that an earlier fix of the pass already claimed waits for the next pass; passes
//! repeat (re-parsing and re-linting the changed tree) until nothing changes, at most
//! [`MAX_PASSES`] times.

use pvelint_parse::{Applicability, Diagnostic, Edit, FileId, InputFile, SourceFile, Span, Tree, TreeInput};
use std::collections::{BTreeMap, HashSet};

/// At most this many passes of [`fix_input`]; a tree that still changes after them is
/// left as the last pass made it (and the CLI says so).
pub const MAX_PASSES: usize = 10;

/// The fixes the parser's syntax codes offer (the parser's table has no column for it):
/// P001 empties a separator line (safe where no header follows it), P002 inserts the
/// missing empty line (unsafe: the header is then read), P003 converts CR-LF (safe where
/// no section was merged).
pub fn syntax_fix(code: &str) -> Option<Applicability> {
    match code {
        "P001" | "P003" => Some(Applicability::Safe),
        "P002" => Some(Applicability::Unsafe),
        _ => None,
    }
}

/// Which fixes apply: safe ones always, unsafe ones only when asked (`--unsafe-fixes`).
pub fn wanted(d: &Diagnostic, allow_unsafe: bool) -> bool {
    d.fix.as_ref().is_some_and(|f| f.applicability == Applicability::Safe || allow_unsafe)
}

/// Whether two edits of the same file touch the same bytes: their ranges intersect, or
/// they start at the same offset (two insertions there, or an insertion before a
/// replacement, have no single order).
fn conflict(a: &Edit, b: &Edit) -> bool {
    a.span.file == b.span.file
        && (a.span.start == b.span.start || (a.span.start < b.span.end && b.span.start < a.span.end))
}

/// One pass of fixes over `diags` (in their order, which is position order): the edits
/// that apply, and the indices of the findings they fix. A fix whose edits conflict with
/// an edit already taken waits (not taken); a fix whose edits equal a fix already taken
/// counts as applied too (two findings, one change). `fixable` says which files may
/// change. O(e log e) in the number of edits.
pub fn plan(diags: &[Diagnostic], allow_unsafe: bool, fixable: &dyn Fn(FileId) -> bool) -> (Vec<Edit>, Vec<usize>) {
    let mut taken: BTreeMap<(FileId, u32), Edit> = BTreeMap::new();
    let mut seen: HashSet<&[Edit]> = HashSet::new();
    let mut fixed = Vec::new();
    for (i, d) in diags.iter().enumerate() {
        if !wanted(d, allow_unsafe) {
            continue;
        }
        let Some(fix) = &d.fix else { continue };
        if fix.edits.is_empty() || !fix.edits.iter().all(|e| fixable(e.span.file)) {
            continue;
        }
        if seen.contains(fix.edits.as_slice()) {
            fixed.push(i);
            continue;
        }
        // Edits are sorted and do not overlap one another (Fix::new); check each against
        // its neighbours among the taken ones.
        let clash = fix.edits.iter().any(|e| {
            let key = (e.span.file, e.span.start);
            let before = taken.range(..=key).next_back().map(|(_, t)| t);
            let after = taken.range(key..).next().map(|(_, t)| t);
            before.is_some_and(|t| conflict(t, e)) || after.is_some_and(|t| conflict(t, e))
        });
        if clash {
            continue;
        }
        for e in &fix.edits {
            taken.insert((e.span.file, e.span.start), e.clone());
        }
        seen.insert(fix.edits.as_slice());
        fixed.push(i);
    }
    (taken.into_values().collect(), fixed)
}

/// `text` with `edits` (sorted, not overlapping, all of this file) applied: every byte
/// outside the edits stays as it was.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0usize;
    for e in edits {
        let (start, end) = (e.span.start as usize, e.span.end as usize);
        out.push_str(&text[copied..start]);
        out.push_str(&e.replacement);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// What [`fix_input`] did.
#[derive(Debug, Default)]
pub struct FixRun {
    /// Per file changed (display path, as in the findings): its bytes before and after.
    pub changed: BTreeMap<String, (String, String)>,
    /// How many findings the applied fixes fixed, over all passes.
    pub fixed: usize,
    /// The passes that changed something.
    pub passes: usize,
    /// Whether the tree still changed in the last pass allowed ([`MAX_PASSES`]).
    pub unfinished: bool,
    /// Per file changed, the fixes applied to it, in order: `CODE line N: message (safe)`.
    pub notes: BTreeMap<String, Vec<String>>,
}

/// Applies the fixes of a tree read as `input`, pass after pass: parse, `lint` (the
/// caller's findings: enabled rules, ignores applied), apply the fixes of one pass,
/// repeat, until a pass changes nothing or after `max_passes`. Files that cannot be
/// fixed byte for byte are left alone: attached files (`outside_tree`), files with a
/// read error or truncated, and files that are not valid UTF-8 (their text is not their
/// bytes). Returns the new input and what changed; writes nothing.
pub fn fix_input(
    input: &TreeInput,
    lint: &dyn Fn(&Tree) -> Vec<Diagnostic>,
    allow_unsafe: bool,
    max_passes: usize,
) -> (TreeInput, FixRun) {
    let mut current = input.clone();
    let mut run = FixRun::default();
    for pass in 0..max_passes {
        let tree = pvelint_parse::load(current.clone());
        let diags = lint(&tree);
        let index = InputIndex::of(&current);
        let editable: Vec<bool> =
            tree.files.iter().map(|f| index.get(&mut current, &f.path).is_some_and(|i| editable(i, f))).collect();
        let (edits, fixed) = plan(&diags, allow_unsafe, &|id| editable.get(id.0 as usize).copied().unwrap_or(false));
        if edits.is_empty() {
            break;
        }
        run.fixed += fixed.len();
        run.passes = pass + 1;
        for &i in &fixed {
            let (d, Some(fix)) = (&diags[i], &diags[i].fix) else { continue };
            let Some(first) = fix.edits.first() else { continue };
            let f = tree.file(first.span.file);
            let line = f.line_col(first.span.start).0;
            let note = format!("{} line {line}: {} ({} fix)", d.code, fix.message, fix.applicability.as_str());
            run.notes.entry(f.path.clone()).or_default().push(note);
        }
        let mut by_file: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
        for e in edits {
            by_file.entry(e.span.file).or_default().push(e);
        }
        for (id, edits) in by_file {
            let f = tree.file(id);
            let new = apply_edits(&f.text, &edits);
            let entry = run.changed.entry(f.path.clone()).or_insert_with(|| (f.text.to_string(), String::new()));
            entry.1 = new.clone();
            if let Some(i) = index.get(&mut current, &f.path) {
                i.bytes = new.into_bytes();
            }
        }
        run.unfinished = pass + 1 == max_passes;
    }
    // A file the passes changed back to its bytes is not changed.
    run.changed.retain(|_, (old, new)| old != new);
    let changed = &run.changed;
    run.notes.retain(|p, _| changed.contains_key(p));
    (current, run)
}

/// Whether a file may be rewritten: a configuration of the tree, read whole, whose text
/// is its bytes.
fn editable(input: &InputFile, file: &SourceFile) -> bool {
    !input.outside_tree
        && input.error.is_none()
        && input.truncated_size.is_none()
        && input.bytes == file.text.as_bytes()
}

/// The input files by the path the tree shows them with (the tree's files carry the
/// layout prefix; attached vzdump.conf files keep theirs): one lookup per file.
struct InputIndex(std::collections::HashMap<String, (bool, usize)>);

impl InputIndex {
    fn of(input: &TreeInput) -> Self {
        let mut m = std::collections::HashMap::new();
        for (i, f) in input.files.iter().enumerate() {
            m.insert(format!("{}{}", input.prefix, f.path), (false, i));
        }
        for (i, (_, f)) in input.vzdump_confs.iter().enumerate() {
            m.insert(f.path.clone(), (true, i));
        }
        InputIndex(m)
    }

    fn get<'a>(&self, input: &'a mut TreeInput, path: &str) -> Option<&'a mut InputFile> {
        match self.0.get(path)? {
            (false, i) => input.files.get_mut(*i),
            (true, i) => input.vzdump_confs.get_mut(*i).map(|(_, f)| f),
        }
    }
}

/// The whole line holding `span`, with its newline: the edit that removes a line.
pub fn whole_line(file: &SourceFile, span: Span) -> Span {
    let line = file.line_span(span.start);
    let end = if (line.end as usize) < file.text.len() { line.end + 1 } else { line.end };
    Span { end, ..line }
}

/// The edit that replaces what follows the indentation of a line (`line`, without its
/// newline) with `body`: the indentation and the line ending stay.
pub fn replace_line_body(file: &SourceFile, line: Span, body: &str) -> Edit {
    let text = file.slice(line);
    let indent = text.len() - text.trim_start_matches([' ', '\t']).len();
    let trail = text.len() - text.trim_end_matches('\r').len();
    Edit::replace(Span { start: line.start + indent as u32, end: line.end - trail as u32, ..line }, body)
}

/// A word for a POSIX shell: as it is when it holds only characters no shell treats
/// specially, else in single quotes (a `'` written `'\''`). `None` for a word with a
/// control character (a newline or an escape sequence must not reach a terminal or a
/// shell), or an empty word. Values come from the tree: they are not trusted.
pub fn shell_quote(word: &str) -> Option<String> {
    if word.is_empty() || word.chars().any(char::is_control) {
        return None;
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if word.chars().all(plain) {
        return Some(word.to_string());
    }
    Some(format!("'{}'", word.replace('\'', "'\\''")))
}

/// A command line of quoted words, or `None` if a word cannot be quoted.
pub fn command(words: &[&str]) -> Option<String> {
    let quoted: Option<Vec<String>> = words.iter().map(|w| shell_quote(w)).collect();
    quoted.map(|q| q.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pvelint_parse::{Fix, Severity};

    fn d(start: u32, end: u32, rep: &str, applicability: Applicability) -> Diagnostic {
        let span = Span { file: FileId(0), start, end };
        Diagnostic::new("X", "x", Severity::Warning, span, "m").with_fix(Fix::new(
            applicability,
            "f",
            vec![Edit::replace(span, rep)],
        ))
    }

    #[test]
    fn overlapping_fixes_wait_for_the_next_pass_and_identical_ones_count_once() {
        let diags = vec![
            d(0, 3, "A", Applicability::Safe),
            d(2, 4, "B", Applicability::Safe),
            d(4, 4, "I", Applicability::Safe),
            d(4, 5, "C", Applicability::Safe),
            d(6, 7, "U", Applicability::Unsafe),
            d(0, 3, "A", Applicability::Safe),
        ];
        let (edits, fixed) = plan(&diags, false, &|_| true);
        assert_eq!(fixed, vec![0, 2, 5]);
        assert_eq!(apply_edits("0123456789", &edits), "A3I456789");
        let (edits, fixed) = plan(&diags, true, &|_| true);
        assert_eq!(fixed, vec![0, 2, 4, 5]);
        assert_eq!(apply_edits("0123456789", &edits), "A3I45U789");
        let (edits, _) = plan(&diags, true, &|_| false);
        assert!(edits.is_empty());
    }

    #[test]
    fn shell_words_are_quoted_and_control_characters_refused() {
        assert_eq!(shell_quote("local-3TB_backup").as_deref(), Some("local-3TB_backup"));
        assert_eq!(shell_quote("keep-last=3").as_deref(), Some("keep-last=3"));
        assert_eq!(shell_quote("2,22:30").as_deref(), Some("2,22:30"));
        assert_eq!(shell_quote("mon 02:30").as_deref(), Some("'mon 02:30'"));
        assert_eq!(shell_quote("a'b").as_deref(), Some("'a'\\''b'"));
        assert_eq!(shell_quote("$(reboot)").as_deref(), Some("'$(reboot)'"));
        assert_eq!(shell_quote("`id`;rm -rf /").as_deref(), Some("'`id`;rm -rf /'"));
        assert_eq!(shell_quote("*"), Some("'*'".into()));
        assert_eq!(shell_quote("a\nb"), None);
        assert_eq!(shell_quote("a\u{1b}]8;;x"), None);
        assert_eq!(shell_quote(""), None);
        assert_eq!(command(&["pvesm", "set", "x y", "--nodes", "a,b"]).as_deref(), Some("pvesm set 'x y' --nodes a,b"));
        assert_eq!(command(&["pct", "set", "a\rb"]), None);
    }

    fn input(files: &[(&str, &[u8])]) -> TreeInput {
        TreeInput { files: files.iter().map(|(p, b)| InputFile::new(*p, b.to_vec())).collect(), ..TreeInput::default() }
    }

    fn syntax(t: &Tree) -> Vec<Diagnostic> {
        crate::pipeline::lint(t, &|m| m.code.starts_with('P'))
    }

    #[test]
    fn passes_repeat_until_nothing_changes_and_leave_other_bytes_alone() {
        // CR-LF with merged sections: P003 (unsafe) takes every CR in pass 1; P001's edit of
        // the separator overlaps it and waits, and in pass 2 nothing is left to fix.
        let crlf = b"dir: a\r\n\tpath /a\r\n\r\ndir: b\r\n\tpath /b\r\n";
        let bad_utf8 = b"dir: c\r\n\tpath /\xff\r\n";
        let (out, run) = fix_input(&input(&[("storage.cfg", crlf), ("jobs.cfg", bad_utf8)]), &syntax, true, MAX_PASSES);
        assert_eq!(run.passes, 1, "{run:?}");
        assert_eq!(run.changed.keys().collect::<Vec<_>>(), ["storage.cfg"]);
        assert_eq!(out.files[0].bytes, b"dir: a\n\tpath /a\n\ndir: b\n\tpath /b\n");
        assert_eq!(out.files[1].bytes, bad_utf8, "a file whose text is not its bytes is never rewritten");
        assert_eq!(run.notes["storage.cfg"], ["P003 line 1: convert the file to LF line endings (unsafe fix)"]);
        // Without unsafe fixes, only the safe ones.
        let (_, run) = fix_input(&input(&[("storage.cfg", crlf)]), &syntax, false, MAX_PASSES);
        assert!(run.changed.is_empty(), "{run:?}");
        // Idempotent.
        let (_, again) = fix_input(&out, &syntax, true, MAX_PASSES);
        assert!(again.changed.is_empty());
    }

    #[test]
    fn passes_are_bounded() {
        // A "rule" whose fix never settles: the passes stop at the bound and say so.
        let endless = |t: &Tree| {
            let span = Span { file: FileId(0), start: 0, end: 0 };
            vec![Diagnostic::new("X", "x", Severity::Info, span, "m")
                .with_fix(Fix::safe("grow", vec![Edit::insert(t.files[0].id, 0, "x")]))]
        };
        let (out, run) = fix_input(&input(&[("storage.cfg", b"")]), &endless, false, 3);
        assert!(run.unfinished);
        assert_eq!(run.passes, 3);
        assert_eq!(out.files[0].bytes, b"xxx");
    }

    /// The quoting round-trips through a real shell for hostile words.
    #[test]
    fn quoted_words_reach_the_shell_unchanged() {
        let Ok(sh) = which_sh() else { return };
        for w in ["plain", "two words", "it's", "'", "''", "$HOME", "`x`", "a\\b", "!x", "a\"b", "-n", "é ü"] {
            let q = shell_quote(w).unwrap();
            let out = std::process::Command::new(&sh).arg("-c").arg(format!("printf %s {q}")).output().unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), w, "{q}");
        }
    }

    fn which_sh() -> Result<String, ()> {
        ["/bin/sh", "/usr/bin/sh"].iter().find(|p| std::path::Path::new(p).exists()).map(|p| p.to_string()).ok_or(())
    }
}
