//! The line grammar of guest configs (sections, `key: value` lines, raw `lxc.*` lines,
//! snapshot states) and the parser that builds a `GuestConfig` from them.

use super::*;

use crate::text::is_perl_space;

pub(super) fn is_blank(s: &str) -> bool {
    s.chars().all(is_perl_space)
}

/// `^\[([^\]]*)\]\s*$`: the byte range of the text between the brackets.
pub(super) fn bracket_header(line: &str) -> Option<(usize, usize)> {
    if !line.starts_with('[') {
        return None;
    }
    let close = line.find(']')?;
    is_blank(&line[close + 1..]).then_some((1, close))
}

/// `[a-z][a-z0-9_-]+`, case-insensitive (snapshot names, `pve-configid`).
pub(super) fn is_config_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

/// A `key: value` match: byte ranges of key and trimmed value.
pub(super) struct KeyLine {
    key: (usize, usize),
    value: (usize, usize),
}

/// `^([a-z][a-z_]*\d*):\s*(.*)` (LXC) or with `-` allowed (QEMU); the value range is the
/// rest with Perl whitespace trimmed on both sides (possibly empty).
pub(super) fn match_key_line(line: &str, hyphen: bool) -> Option<KeyLine> {
    let b = line.as_bytes();
    if b.is_empty() || !b[0].is_ascii_lowercase() {
        return None;
    }
    let mut i = 1;
    while i < b.len() && (b[i].is_ascii_lowercase() || b[i] == b'_' || (hyphen && b[i] == b'-')) {
        i += 1;
    }
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i >= b.len() || b[i] != b':' {
        return None;
    }
    let key = (0, i);
    let rest = &line[i + 1..];
    let lead = rest.len() - rest.trim_start_matches(is_perl_space).len();
    let start = i + 1 + lead;
    let end = line.trim_end_matches(is_perl_space).len().max(start);
    Some(KeyLine { key, value: (start, end) })
}

/// `^(lxc\.[a-z0-9_\-\.]+)(:|\s*=)\s*(.*?)\s*$`.
pub(super) fn match_lxc_line(line: &str) -> Option<KeyLine> {
    let rest = line.strip_prefix("lxc.")?;
    let n = rest
        .bytes()
        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'.'))
        .count();
    if n == 0 {
        return None;
    }
    let key_end = 4 + n;
    let after = &line[key_end..];
    let sep_len = if after.starts_with(':') {
        1
    } else {
        let ws = after.len() - after.trim_start_matches(is_perl_space).len();
        if after[ws..].starts_with('=') {
            ws + 1
        } else {
            return None;
        }
    };
    let vstart0 = key_end + sep_len;
    let v = &line[vstart0..];
    let start = vstart0 + (v.len() - v.trim_start_matches(is_perl_space).len());
    let end = line.trim_end_matches(is_perl_space).len().max(start);
    Some(KeyLine { key: (0, key_end), value: (start, end) })
}

/// The unanchored `snapstate:\s*(prepare|delete)\s*$`.
pub(super) fn match_snapstate(line: &str) -> Option<KeyLine> {
    let trimmed_end = line.trim_end_matches(is_perl_space).len();
    // Cheap test first: this runs on every line.
    if !(line[..trimmed_end].ends_with("prepare") || line[..trimmed_end].ends_with("delete")) {
        return None;
    }
    for (pos, _) in line.match_indices("snapstate:") {
        let after = pos + "snapstate:".len();
        let rest = &line[after..trimmed_end.max(after)];
        let v = rest.trim_start_matches(is_perl_space);
        if v == "prepare" || v == "delete" {
            let start = trimmed_end - v.len();
            return Some(KeyLine { key: (pos, pos + "snapstate".len()), value: (start, trimmed_end) });
        }
    }
    None
}

pub use crate::text::decode_text;

/// A `#` after whitespace in a value: guest configs have no inline comments.
pub(super) fn inline_comment(v: &str) -> Option<usize> {
    let b = v.as_bytes();
    (1..b.len()).find(|&i| b[i] == b'#' && (b[i - 1] == b' ' || b[i - 1] == b'\t'))
}

pub(super) struct Parser<'a> {
    file: &'a SourceFile,
    kind: GuestKind,
    object: String,
    diags: &'a mut Vec<Diagnostic>,
    sections: Vec<GuestSection>,
    /// Index of the section lines go to; `None` inside an unknown QEMU section.
    current: Option<usize>,
    /// Indexes that keep parsing linear on hostile files (100,000 keys or sections):
    /// a serial number per section (parallel to `sections`), the entry index of each
    /// stored key by section serial, the entries replaced by a later duplicate (removed
    /// when parsing ends), and each named section by kind and name.
    serials: Vec<u32>,
    /// Per section: replaced by a later section of the same name (dropped at the end).
    dead: Vec<bool>,
    next_serial: u32,
    key_index: std::collections::HashMap<(u32, &'a str), usize>,
    replaced: std::collections::HashMap<u32, Vec<usize>>,
    section_index: std::collections::HashMap<(SectionKind, String), u32>,
}

impl<'a> Parser<'a> {
    fn span(&self, line: Span, r: (usize, usize)) -> Span {
        line.sub(r.0, r.1)
    }

    fn spanned(&self, line: Span, text: &str, r: (usize, usize)) -> Spanned<String> {
        Spanned::new(text[r.0..r.1].to_string(), self.span(line, r))
    }

    /// The file's text, for the model's spans.
    fn text(&self) -> &'a str {
        let file: &'a SourceFile = self.file;
        file.text.as_str()
    }

    fn entry(&self, lspan: Span, m: &KeyLine, raw_lxc: bool, valid: bool) -> Entry {
        Entry { key: self.span(lspan, m.key), value: self.span(lspan, m.value), raw_lxc, valid, cdrom_alias: false }
    }

    fn section_label(&self) -> String {
        match self.current.map(|i| &self.sections[i]) {
            Some(s) => match s.kind {
                SectionKind::Main => "the main config".to_string(),
                SectionKind::Snapshot => format!("snapshot `{}`", s.name_str()),
                SectionKind::Pending => "the pending section".to_string(),
                SectionKind::Special => format!("section `special:{}`", s.name_str()),
            },
            None => "the skipped section".to_string(),
        }
    }

    fn push_diag(&mut self, d: Diagnostic, key: Option<&str>) {
        let d = d.with_object(self.object.clone());
        let d = match key {
            Some(k) => d.with_key(k.to_string()),
            None => d,
        };
        self.diags.push(d);
    }

    fn line(&mut self, lspan: Span, line: &str) {
        if is_blank(line) {
            return;
        }
        if self.header(lspan, line) {
            return;
        }
        let Some(cur) = self.current else { return };
        if let Some(text) = line.strip_prefix('#') {
            let sp = Spanned::new(decode_text(text), lspan.sub(1, line.len()));
            self.sections[cur].description.push(sp);
            return;
        }
        if self.kind == GuestKind::Lxc {
            if let Some(m) = match_lxc_line(line) {
                self.lxc_raw(lspan, m);
                return;
            }
        }
        if let Some(rest) = line.strip_prefix("description:") {
            if !is_blank(rest) {
                let m = match_key_line(line, false).map(|m| m.value).unwrap_or((12, line.len()));
                let sp = Spanned::new(decode_text(&line[m.0..m.1]), lspan.sub(m.0, m.1));
                self.sections[cur].description.push(sp);
                return;
            }
        }
        if let Some(m) = match_snapstate(line) {
            let e = self.entry(lspan, &m, false, true);
            self.store(e);
            return;
        }
        if self.kind == GuestKind::Qemu {
            if let Some(m) = match_key_line(line, false).filter(|m| &line[m.key.0..m.key.1] == "args") {
                if m.value.0 < m.value.1 {
                    let e = self.entry(lspan, &m, false, true);
                    self.store(e);
                    return;
                }
            }
        }
        let m = match_key_line(line, self.kind == GuestKind::Qemu);
        match m {
            Some(m) if m.value.0 < m.value.1 => self.key_value(lspan, line, m),
            Some(m) => {
                // `key:` with an empty value: Proxmox warns and ignores the line, which
                // leaves the key unset, the same as the empty value written (Proxmox
                // itself writes `tags: ` for empty tags). Not a misreading: no finding.
                let e = self.entry(lspan, &KeyLine { key: m.key, value: (m.value.0, m.value.0) }, false, false);
                self.drop_entry(e);
            }
            None => self.unparsable(lspan, line),
        }
    }

    /// Handles a `[…]` line; returns whether the line was a header for Proxmox.
    fn header(&mut self, lspan: Span, line: &str) -> bool {
        let Some((s, e)) = bracket_header(line) else { return false };
        let inner = &line[s..e];
        let name = self.spanned(lspan, line, (s, e));
        let (kind, name) = match self.kind {
            GuestKind::Lxc => {
                if inner.eq_ignore_ascii_case("pve:pending") {
                    (SectionKind::Pending, name)
                } else if is_config_id(inner) {
                    (SectionKind::Snapshot, name)
                } else {
                    return false;
                }
            }
            GuestKind::Qemu => {
                let special = inner.get(..8).filter(|p| p.eq_ignore_ascii_case("special:")).map(|_| &inner[8..]);
                if inner.eq_ignore_ascii_case("pending") {
                    (SectionKind::Pending, name)
                } else if let Some(which) = special.filter(|w| *w == "cloudinit" || *w == "fleecing") {
                    (SectionKind::Special, self.spanned(lspan, line, (s + 8, s + 8 + which.len())))
                } else if is_config_id(inner) {
                    (SectionKind::Snapshot, name)
                } else {
                    self.current = None;
                    let d = syntax::UNKNOWN_SECTION_TYPE
                        .at(lspan, format!("`[{inner}]` is not a snapshot, pending or special section; Proxmox skips it with all its lines"))
                        .with_help("snapshot names match `[a-z][a-z0-9_-]+`; remove the section or rename it");
                    self.push_diag(d, None);
                    return true;
                }
            }
        };
        let index_key = (kind, if kind == SectionKind::Pending { String::new() } else { name.value.clone() });
        let serial = self.next_serial;
        self.next_serial += 1;
        // Serials grow with `sections` (sections are never removed while parsing, only
        // marked dead and dropped at the end): a binary search, not a scan and a shift.
        let dup = self.section_index.insert(index_key, serial).and_then(|old| self.serials.binary_search(&old).ok());
        if let Some(i) = dup {
            self.dead[i] = true;
            let old = &self.sections[i];
            let mut d = syntax::DUPLICATE_SECTION_ID.at(
                lspan,
                format!(
                    "section `[{inner}]` appears twice; Proxmox keeps only this later one and forgets the earlier one"
                ),
            );
            if let Some(h) = old.header {
                d = d.with_label(h, "the earlier section, discarded");
            }
            self.push_diag(d.with_help("merge the two sections or delete one"), None);
        }
        self.sections.push(GuestSection::new(kind, Some(name), Some(lspan)));
        self.serials.push(serial);
        self.dead.push(false);
        self.current = Some(self.sections.len() - 1);
        true
    }

    fn unparsable(&mut self, lspan: Span, line: &str) {
        let trimmed = line.trim_start_matches(is_perl_space);
        let indented = trimmed.len() != line.len();
        let here = self.section_label();
        let (code, msg, help) = if indented && bracket_header(trimmed).is_some() {
            (
                syntax::INDENTED_HEADER,
                format!("this section header does not start in column 0, so Proxmox ignores it and the keys below it stay in {here}"),
                "remove the leading whitespace".to_string(),
            )
        } else if bracket_header(line).is_some() {
            (
                syntax::UNPARSABLE_LINE,
                format!("`{}` is not a valid section header (snapshot names match `[a-z][a-z0-9_-]+`); Proxmox ignores the line and the keys below it stay in {here}", line.trim_end_matches(is_perl_space)),
                "rename the section or remove the line".to_string(),
            )
        } else if indented && trimmed.starts_with('#') {
            (
                syntax::UNPARSABLE_LINE,
                "a `#` line that does not start in column 0 is neither a comment nor part of the description; Proxmox cannot parse it and ignores it".to_string(),
                "start the line with `#`".to_string(),
            )
        } else if indented {
            (
                syntax::UNPARSABLE_LINE,
                "this line starts with whitespace; Proxmox cannot parse it and ignores it".to_string(),
                "remove the leading whitespace".to_string(),
            )
        } else if line
            .trim_end_matches(is_perl_space)
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            (
                syntax::UNPARSABLE_LINE,
                format!(
                    "`{}` has no `:` and no value; Proxmox cannot parse this line and ignores it",
                    line.trim_end_matches(is_perl_space)
                ),
                "write it as `key: value`, or delete the line".to_string(),
            )
        } else if self.kind == GuestKind::Lxc && match_key_line(line, true).is_some() {
            (
                syntax::UNPARSABLE_LINE,
                "container config keys contain no `-`; Proxmox cannot parse this line and ignores it".to_string(),
                "use the key's spelling from `pct.conf(5)`".to_string(),
            )
        } else {
            (
                syntax::UNPARSABLE_LINE,
                "Proxmox cannot parse this line (expected `key: value`) and ignores it".to_string(),
                "write it as `key: value` with a lowercase key and no space before the colon, or delete it".to_string(),
            )
        };
        let d = code.at(lspan, msg).with_help(help);
        self.push_diag(d, None);
    }

    fn lxc_raw(&mut self, lspan: Span, m: KeyLine) {
        let entry = self.entry(lspan, &m, true, true);
        let key = entry.key.spanned(self.text());
        match lxc_key_validity(key.value) {
            LxcKeyValidity::Valid | LxcKeyValidity::CgroupV1 | LxcKeyValidity::Deprecated { .. } => {
                if let Some(cur) = self.current {
                    self.sections[cur].entries.push(entry);
                }
            }
            LxcKeyValidity::Rejected(why) => {
                let d = syntax::UNKNOWN_KEY
                    .at(key.span, format!("Proxmox rejects `{}` (\"{why}\") and drops the line", key.value))
                    .with_help("express this through the container's own options (`rootfs`, `mpN`) instead");
                self.push_diag(d, Some(key.value));
                self.drop_entry(entry);
            }
            LxcKeyValidity::Unknown => {
                let d = syntax::UNKNOWN_KEY
                    .at(key.span, format!("`{}` is not a raw LXC key that Proxmox allows; it drops the line (\"unable to parse config\")", key.value))
                    .with_help("check the key against lxc.container.conf(5) and Proxmox's allowed list (pct.conf(5))");
                self.push_diag(d, Some(key.value));
                self.drop_entry(entry);
            }
        }
    }

    /// A line whose key or value Proxmox rejects: LXC keeps the raw text (marked
    /// invalid, ignored where it matters), QEMU drops the line.
    fn reject_entry(&mut self, mut e: Entry) {
        match self.kind {
            GuestKind::Lxc => {
                e.valid = false;
                self.store(e);
            }
            GuestKind::Qemu => self.drop_entry(e),
        }
    }

    fn drop_entry(&mut self, e: Entry) {
        if let Some(cur) = self.current {
            self.sections[cur].dropped.push(e);
        }
    }

    fn store(&mut self, e: Entry) {
        let Some(cur) = self.current else { return };
        let serial = self.serials[cur];
        let slot = self.sections[cur].entries.len();
        let key = e.key_str(self.text());
        let index_key = (serial, key);
        let found = if e.raw_lxc { self.key_index.remove(&index_key) } else { self.key_index.insert(index_key, slot) };
        let sec = &mut self.sections[cur];
        if let Some(i) = found {
            // The earlier entry leaves its place now and the list at the end of parsing.
            let old = std::mem::replace(&mut sec.entries[i], e);
            self.replaced.entry(serial).or_default().push(i);
            let which = if self.kind == GuestKind::Lxc { "the last one wins" } else { "the last valid one wins" };
            let d = syntax::DUPLICATE_KEY
                .at(
                    old.line(self.text()),
                    format!(
                        "`{}` is set again later in {}; {which}, so Proxmox ignores this line",
                        key,
                        self.section_label()
                    ),
                )
                .with_label(e.line(self.text()), "this value is used")
                .with_help("delete one of the two lines");
            self.sections[cur].dropped.push(old);
            self.sections[cur].entries.push(e);
            self.push_diag(d, Some(key));
            return;
        }
        sec.entries.push(e);
    }

    fn key_value(&mut self, lspan: Span, line: &str, m: KeyLine) {
        let Some(cur) = self.current else { return };
        let written = &line[m.key.0..m.key.1];
        let mut entry = self.entry(lspan, &m, false, true);
        let key = Spanned::new(written, entry.key);
        let value = entry.value.spanned(self.text());
        let section_kind = self.sections[cur].kind;
        if written == "delete" {
            if section_kind == SectionKind::Pending {
                self.store(entry);
            } else {
                let pend = if self.kind == GuestKind::Lxc { "[pve:pending]" } else { "[PENDING]" };
                let d = syntax::UNKNOWN_KEY
                    .at(
                        key.span,
                        format!(
                            "`delete` is only allowed in the {pend} section; Proxmox ignores it in {}",
                            self.section_label()
                        ),
                    )
                    .with_help("remove the line");
                self.push_diag(d, Some("delete"));
                self.drop_entry(entry);
            }
            return;
        }
        // [special:cloudinit] is stored without validation.
        if section_kind == SectionKind::Special && self.sections[cur].name_str() == "cloudinit" {
            self.store(entry);
            return;
        }
        let ty = if section_kind == SectionKind::Special {
            (written == "fleecing-images").then_some(ValueType::VolumeIdList)
        } else {
            match self.kind {
                GuestKind::Lxc => lxc_key_type(written),
                GuestKind::Qemu => qemu_key_type(written),
            }
        };
        let Some(ty) = ty else {
            let d = match self.kind {
                GuestKind::Lxc => syntax::UNKNOWN_KEY.at(
                    key.span,
                    format!("`{written}` is not a container option; Proxmox keeps the line but ignores it (\"unknown setting\")"),
                ),
                GuestKind::Qemu => syntax::UNKNOWN_KEY.at(
                    key.span,
                    format!("`{written}` is not a VM option{}; Proxmox drops the line (\"unknown setting\")",
                        if section_kind == SectionKind::Special { " of this section" } else { "" }),
                ),
            }
            .with_help("check the spelling against the option list (pct.conf(5) / qm.conf(5))");
            self.push_diag(d, Some(written));
            self.reject_entry(entry);
            return;
        };
        let problems = check_type(self.text(), ty, value);
        let comment = inline_comment(value.value);
        if !problems.is_empty() {
            let first = &problems[0];
            let effect = match (self.kind, &ty) {
                (GuestKind::Lxc, ValueType::Prop(_)) if is_lxc_volume_key(written) => {
                    "Proxmox keeps the raw text but skips this mount point when starting, snapshotting and backing up the container"
                }
                (GuestKind::Lxc, _) => "Proxmox keeps the raw text, but the setting does not work as written",
                (GuestKind::Qemu, ValueType::Prop(_)) if is_qemu_disk_key(written) => {
                    "Proxmox drops the line, so the disk disappears from the VM"
                }
                (GuestKind::Qemu, _) => "Proxmox drops the line",
            };
            let more = if problems.len() > 1 {
                format!(" (and {} more)", crate::text::count(problems.len() - 1, "problem"))
            } else {
                String::new()
            };
            let mut d = syntax::INVALID_VALUE
                .at(first.span, format!("invalid value for `{written}`: {}{more}; {effect}", first.message));
            d = d.with_related(problems.iter().skip(1), |p| (p.span, p.message.clone()));
            let help = if comment.is_some() {
                "guest configs have no inline comments: move the `# …` text to its own line".to_string()
            } else {
                format!("fix the value of `{written}` (see pct.conf(5) / qm.conf(5))")
            };
            self.push_diag(d.with_help(help), Some(written));
            self.reject_entry(entry);
            return;
        }
        if let Some((span, msg, unusable)) = self.unusable_volume(written, value) {
            let d = syntax::INVALID_VALUE.at(span, msg).with_help(
                "write an existing volume as `storage:volname` (see `pvesm list <storage>`), or an absolute path for a bind mount",
            );
            self.push_diag(d, Some(written));
            entry.valid = !unusable;
        }
        if let Some(pos) = comment.filter(|_| written != "description") {
            let sp = value.span.sub(pos, value.value.len());
            let d = syntax::INVALID_VALUE
                .at(
                    sp,
                    format!(
                        "`{}` is part of the value of `{written}`: guest configs have no inline comments",
                        &value.value[pos..]
                    ),
                )
                .with_severity(crate::Severity::Warning)
                .with_help("move the comment to its own `#` line (it then becomes part of the description)");
            self.push_diag(d, Some(written));
        }
        if self.kind == GuestKind::Qemu && written == "cdrom" {
            entry.cdrom_alias = true;
        }
        self.store(entry);
    }
}

/// `STORAGE:SIZE` (`local-lvm:8`): the API's syntax to allocate a new volume, never a
/// volume name in a saved config.
pub(super) fn is_alloc_syntax(volname: &str) -> bool {
    let (a, b) = match volname.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (volname, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    digits(a) && b.iter().all(|b| digits(b))
}

impl Parser<'_> {
    /// Problems of a volume-bearing value that passes the type check but that Proxmox
    /// cannot use: `(span, message, drive ignored)`.
    fn unusable_volume(&self, key: &str, value: Spanned<&str>) -> Option<(Span, String, bool)> {
        let text = self.text();
        let lxc = self.kind == GuestKind::Lxc;
        let vol_key = if lxc { is_lxc_volume_key(key) } else { is_qemu_disk_key(key) };
        let single = key == "hookscript" || (!lxc && key == "vmstate");
        if !vol_key && !single {
            return None;
        }
        let props = if single { whole_as_props(value.span) } else { propstring::parse(value) };
        let vol = default_value(text, &props, &["volume", "file"])?;
        let what = if lxc { "the container cannot start" } else { "the VM cannot start" };
        if let Some((_, volname)) = volume::split_volume_id(vol.value) {
            if is_alloc_syntax(volname) {
                return Some((
                    vol.span,
                    format!(
                        "`{}` is the API's `STORAGE:SIZE` syntax for allocating a new volume, not a volume; no storage has a volume named `{volname}`, so {what}",
                        vol.value
                    ),
                    false,
                ));
            }
        } else if lxc && !vol.value.starts_with('/') {
            return Some((
                vol.span,
                format!("`{}` is neither a volume ID (`storage:volname`) nor an absolute path; {what}", vol.value),
                false,
            ));
        }
        if lxc || single {
            return None;
        }
        // QEMU `parse_drive` checks beyond the schema: the line is kept, but the drive is
        // ignored when the VM starts and by backups.
        let is = |k: &str| props.get(text, k).is_some();
        let truthy = |k: &str| props.get(text, k).is_some_and(|v| v.value != "0" && props.flag(text, k) != Some(false));
        let mut why = None;
        for (a, b) in [("mbps_rd", "mbps"), ("mbps_wr", "mbps"), ("iops_rd", "iops"), ("iops_wr", "iops")] {
            if truthy(a) && truthy(b) {
                why = Some(format!("`{a}` and `{b}` exclude each other"));
            }
        }
        for k in ["bps", "bps_rd", "bps_wr"] {
            if is(k) && is(&format!("m{k}")) {
                why = Some(format!("both `{k}` and `m{k}` are set"));
            }
        }
        if is_cdrom_media(text, &props) {
            if let Some(k) = ["snapshot", "trans", "format", "heads", "secs", "cyls"].into_iter().find(|k| truthy(k)) {
                why = Some(format!("a CD-ROM drive cannot have `{k}`"));
            }
            if split_index(key).0 == "virtio" {
                why = Some("a VirtIO drive cannot be a CD-ROM".to_string());
            }
        }
        why.map(|w| {
            (
                value.span,
                format!("{w}; Proxmox keeps the line but cannot parse the drive, so it is left out when the VM starts and when it is backed up"),
                true,
            )
        })
    }
}

pub(super) fn is_lxc_volume_key(k: &str) -> bool {
    matches!(split_index(k), ("rootfs", None) | ("mp", Some(_)) | ("unused", Some(_)))
}

pub(super) fn is_qemu_disk_key(k: &str) -> bool {
    k == "cdrom"
        || matches!(
            split_index(k),
            ("ide" | "sata" | "scsi" | "virtio" | "unused", Some(_)) | ("efidisk", Some(0)) | ("tpmstate", Some(0))
        )
}

/// `text` is the file's text, `v` the value.
pub(super) fn check_type(text: &str, ty: ValueType, v: Spanned<&str>) -> Vec<propstring::PropProblem> {
    let p = |m: String| vec![propstring::PropProblem { span: v.span, message: m }];
    let s = v.value;
    match ty {
        ValueType::Str => Vec::new(),
        ValueType::Bool => match propstring::parse_boolean(s) {
            Some(_) => Vec::new(),
            None => p(format!("`{s}` is not a boolean (1/0, on/off, yes/no, true/false)")),
        },
        ValueType::Int => {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                Vec::new()
            } else {
                p(format!("`{s}` is not a non-negative integer"))
            }
        }
        ValueType::Number => {
            let ok = match s.split_once('.') {
                Some((a, b)) => {
                    !a.is_empty() && !b.is_empty() && (a.to_string() + b).bytes().all(|c| c.is_ascii_digit())
                }
                None => !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()),
            };
            if ok {
                Vec::new()
            } else {
                p(format!("`{s}` is not a number"))
            }
        }
        ValueType::VolumeId => match check_volume_id(s) {
            Ok(()) => Vec::new(),
            Err(m) => p(m),
        },
        ValueType::ConfigId => {
            if is_config_id(s) {
                Vec::new()
            } else {
                p(format!("`{s}` is not a valid snapshot name (`[a-z][a-z0-9_-]+`)"))
            }
        }
        ValueType::StorageId => {
            if volume::is_valid_storage_id(s) {
                Vec::new()
            } else {
                p(format!("`{s}` is not a valid storage ID"))
            }
        }
        ValueType::VolumeIdList => split_list(v)
            .into_iter()
            .filter_map(|item| {
                check_volume_id(item.value).err().map(|m| propstring::PropProblem { span: item.span, message: m })
            })
            .collect(),
        ValueType::Prop(parts) => {
            let ps = propstring::parse(v);
            propstring::validate(text, &ps, parts, v.span)
        }
    }
}

/// Parses one guest config. Never fails; Proxmox's warnings become syntax diagnostics.
pub fn parse(file: &SourceFile, kind: GuestKind, vmid: u32, diags: &mut Vec<Diagnostic>) -> GuestConfig {
    // Most lines are entries of the main section: one allocation each for the entries
    // and the key index, trimmed when parsing ends. Capped: a hostile file of empty lines
    // must not reserve memory for entries it does not have.
    let lines = (file.text.bytes().filter(|b| *b == b'\n').count() + 1).min(256);
    let mut main = GuestSection::new(SectionKind::Main, None, None);
    main.entries.reserve_exact(lines);
    let mut p = Parser {
        file,
        kind,
        object: format!("guest:{vmid}"),
        diags,
        sections: vec![main],
        current: Some(0),
        serials: vec![0],
        dead: vec![false],
        next_serial: 1,
        key_index: std::collections::HashMap::with_capacity(lines),
        replaced: Default::default(),
        section_index: Default::default(),
    };
    let file = p.file;
    for (span, line) in file.lines() {
        p.line(span, line);
    }
    if p.dead.iter().any(|d| *d) {
        let mut k = 0;
        p.sections.retain(|_| {
            k += 1;
            !p.dead[k - 1]
        });
        let mut k = 0;
        p.serials.retain(|_| {
            k += 1;
            !p.dead[k - 1]
        });
    }
    for (sec, serial) in p.sections.iter_mut().zip(&p.serials) {
        if let Some(gone) = p.replaced.get(serial) {
            let gone: std::collections::HashSet<usize> = gone.iter().copied().collect();
            let mut i = 0;
            sec.entries.retain(|_| {
                i += 1;
                !gone.contains(&(i - 1))
            });
        }
    }
    // The model lives as long as the run: no spare capacity.
    for sec in &mut p.sections {
        sec.entries.shrink_to_fit();
        sec.description.shrink_to_fit();
        sec.dropped.shrink_to_fit();
    }
    p.sections.shrink_to_fit();
    GuestConfig { kind, text: FileText(file.text.clone()), sections: p.sections }
}
