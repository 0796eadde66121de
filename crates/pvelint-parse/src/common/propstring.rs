//! Property strings: the `key=value,key=value` values of `rootfs`, `mpN`, `net0`, `scsi0`,
//! … (pve-common `src/PVE/JSONSchema.pm` → `parse_property_string`).
//!
//! The grammar is tiny and has no quoting: the value is split on **every** `,`; parts that
//! are empty or only whitespace are skipped; a part `key=value` (split at the first `=`,
//! both sides non-empty, whitespace kept) sets `key`; a part without `=` is the value of
//! the format's single default key. [`parse`] does exactly that and records the
//! structural errors (an empty side of `=`, two values without a key, a key set twice).
//! [`validate`] then checks the items against a [`SubKey`] schema the way
//! `check_object` does (unknown keys, required keys, booleans, numbers, enums, sizes).

use crate::span::{Span, Spanned};
use nom::bytes::complete::take_till;
use nom::IResult;

/// One `key=value` or default-key part: spans into the file's text (see
/// [`Span::of`]); the model keeps no copy of the text. The key is the text right before
/// `=` and the value ([`PropItem::key`]), so only its length is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PropItem {
    pub value: Span,
    /// The key's length in bytes; 0 for the part without `=` (the format's default key,
    /// e.g. `volume`/`file`).
    key_len: u32,
}

impl PropItem {
    /// A part without `=`.
    pub fn positional(value: Span) -> Self {
        PropItem { value, key_len: 0 }
    }

    /// The key's span; `None` for the part without `=`.
    pub fn key(&self) -> Option<Span> {
        let end = self.value.start.checked_sub(1)?;
        (self.key_len > 0).then(|| Span { start: end - self.key_len, end, ..self.value })
    }
}

/// A structural or schema error of a property string; Proxmox rejects the whole value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropProblem {
    pub span: Span,
    pub message: String,
}

/// A parsed property string: its parts in written order. The accessors take the text of
/// the file the spans point into.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PropString {
    pub items: Box<[PropItem]>,
    /// Structural errors found while splitting (Proxmox's `parse_property_string` dies on
    /// each of them). Empty for a well-formed string.
    pub problems: Box<[PropProblem]>,
}

impl PropString {
    /// The first `key=…` part with exactly this key.
    pub fn get_item(&self, text: &str, key: &str) -> Option<&PropItem> {
        self.items.iter().find(|i| i.key().is_some_and(|k| k.of(text) == key))
    }

    /// The value of the first `key=…` part with exactly this key.
    pub fn get<'t>(&self, text: &'t str, key: &str) -> Option<Spanned<&'t str>> {
        self.get_item(text, key).map(|i| i.value.spanned(text))
    }

    /// The first part written without a key (the default key's value).
    pub fn positional(&self) -> Option<Span> {
        self.items.iter().find(|i| i.key_len == 0).map(|i| i.value)
    }

    /// A boolean sub-value as `parse_property_string` reads it (`parse_boolean`:
    /// `1|on|yes|true` and `0|off|no|false`, case-insensitive). `None` when the key is
    /// absent or the value is not a boolean.
    pub fn flag(&self, text: &str, key: &str) -> Option<bool> {
        self.get(text, key).and_then(|v| parse_boolean(v.value))
    }

    /// Whether `parse` found no structural error.
    pub fn is_well_formed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// `PVE::JSONSchema::parse_boolean`.
pub fn parse_boolean(s: &str) -> Option<bool> {
    const TRUE: [&str; 4] = ["1", "on", "yes", "true"];
    const FALSE: [&str; 4] = ["0", "off", "no", "false"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Some(true)
    } else if FALSE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Some(false)
    } else {
        None
    }
}

fn key_and_rest(part: &str) -> IResult<&str, &str> {
    take_till(|c| c == '=')(part)
}

use crate::text::is_perl_space;

/// Splits a property string (a verbatim slice of a file with its span) into its parts,
/// keeping the span of every key and value.
pub fn parse(value: Spanned<&str>) -> PropString {
    let text = value.value;
    // One allocation for the usual handful of parts; capped, so that a hostile run of
    // commas does not reserve room for parts that are not there.
    let parts = text.bytes().filter(|b| *b == b',').count() + 1;
    let mut items: Vec<PropItem> = Vec::with_capacity(parts.min(64));
    let mut problems: Vec<PropProblem> = Vec::new();
    let base = text.as_ptr() as usize;
    let mut positional_seen: Option<Span> = None;
    // The text of an item's key (a span inside `value`).
    let key_text = |k: Span| text.get((k.start - value.span.start) as usize..(k.end - value.span.start) as usize);
    let mut seen_keys: Option<std::collections::HashSet<&str>> = None;
    // Every part between commas, empty ones included (`split(',')` in Perl).
    for part in text.split(',') {
        if part.chars().all(is_perl_space) {
            continue;
        }
        let start = part.as_ptr() as usize - base;
        let end = start + part.len();
        let part_span = value.span.sub(start, end);
        let (rest, key) = match key_and_rest(part) {
            Ok(r) => r,
            Err(_) => ("", part),
        };
        if rest.is_empty() {
            // No `=`: the default key.
            if let Some(first) = positional_seen {
                problems.push(PropProblem {
                    span: part_span,
                    message: format!(
                        "a second value without a key (`{}`); only one part may omit its key (the first is at byte {})",
                        crate::diag::quote_bounded(part),
                        first.start
                    ),
                });
            }
            positional_seen.get_or_insert(part_span);
            items.push(PropItem::positional(part_span));
            continue;
        }
        let val_start = start + key.len() + 1;
        if key.is_empty() || val_start >= end {
            problems.push(PropProblem {
                span: part_span,
                message: format!(
                    "`{}` has an empty key or value (\"missing key in comma-separated list property\")",
                    crate::diag::quote_bounded(part)
                ),
            });
            continue;
        }
        let key_span = value.span.sub(start, start + key.len());
        // The usual handful of keys is scanned; a long property string gets a set (built
        // once, from the keys so far), so that n keys cost O(n), not O(n²).
        if seen_keys.is_none() && items.len() >= 16 {
            seen_keys = Some(items.iter().filter_map(|i| i.key().and_then(key_text)).collect());
        }
        let repeated = match &mut seen_keys {
            Some(set) => !set.insert(key),
            None => items.iter().any(|i| i.key().is_some_and(|k| key_text(k) == Some(key))),
        };
        if repeated {
            problems.push(PropProblem {
                span: key_span,
                message: format!(
                    "the key `{}` is set twice (\"duplicate key in comma-separated list property\")",
                    crate::diag::quote_bounded(key)
                ),
            });
        }
        items.push(PropItem { value: value.span.sub(val_start, end), key_len: key.len() as u32 });
    }
    items.shrink_to_fit();
    PropString { items: items.into_boxed_slice(), problems: problems.into_boxed_slice() }
}

/// The type of one sub-key, as far as the parser checks it.
#[derive(Clone, Copy, Debug)]
pub enum SubType {
    /// Any text.
    Str,
    /// `parse_boolean`, then exactly 0/1.
    Bool,
    /// `^[+-]?\d+$`, with optional bounds.
    Int { min: Option<i64>, max: Option<i64> },
    /// A JSON-schema number.
    Number,
    /// One of these words, case-sensitive.
    Enum(&'static [&'static str]),
    /// `disk-size`: `\d+(\.\d+)?([KMGT](iB)?)?`.
    Size,
    /// A custom check returning an error message.
    Check(fn(&str) -> Result<(), String>),
}

/// One key of a property-string format.
#[derive(Clone, Copy, Debug)]
pub struct SubKey {
    pub name: &'static str,
    pub ty: SubType,
    /// Missing it is an error ("property is missing and it is not optional").
    pub required: bool,
    /// The value of a part written without a key.
    pub default_key: bool,
    /// This key is another name for `alias_of` (`volume` → `file`).
    pub alias_of: Option<&'static str>,
}

impl SubKey {
    pub const fn opt(name: &'static str, ty: SubType) -> Self {
        SubKey { name, ty, required: false, default_key: false, alias_of: None }
    }
    pub const fn req(name: &'static str, ty: SubType) -> Self {
        SubKey { name, ty, required: true, default_key: false, alias_of: None }
    }
    pub const fn default(name: &'static str, ty: SubType) -> Self {
        SubKey { name, ty, required: true, default_key: true, alias_of: None }
    }
    pub const fn alias(name: &'static str, of: &'static str) -> Self {
        SubKey { name, ty: SubType::Str, required: false, default_key: false, alias_of: Some(of) }
    }
}

fn is_integer(s: &str) -> bool {
    let d = s.strip_prefix(['+', '-']).unwrap_or(s);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

/// `PVE::JSONSchema::is_number`.
pub fn is_number(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mant_ok = match mant.split_once('.') {
        Some((a, b)) => (!a.is_empty() || !b.is_empty()) && digits(a) && digits(b),
        None => !mant.is_empty() && digits(mant),
    };
    let exp_ok = match exp {
        None => true,
        Some(e) => is_integer(e),
    };
    mant_ok && exp_ok
}

/// `disk-size`: `^\d+(\.\d+)?([KMGT](iB)?)?$` (older releases without `iB`).
pub fn is_disk_size(s: &str) -> bool {
    let s = s.strip_suffix("iB").filter(|r| r.ends_with(['K', 'M', 'G', 'T'])).unwrap_or(s);
    let num = s.strip_suffix(['K', 'M', 'G', 'T']).unwrap_or(s);
    let (a, b) = match num.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (num, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    digits(a) && b.iter().all(|b| digits(b))
}

fn check_value(ty: SubType, v: &str) -> Result<(), String> {
    let q = crate::diag::quote_bounded;
    match ty {
        SubType::Str => Ok(()),
        SubType::Bool => match parse_boolean(v) {
            Some(_) => Ok(()),
            None => Err(format!("`{}` is not a boolean (1/0, on/off, yes/no, true/false)", q(v))),
        },
        SubType::Int { min, max } => {
            if !is_integer(v) {
                return Err(format!("`{}` is not an integer", q(v)));
            }
            let n: Option<i64> = v.parse().ok();
            match (n, min, max) {
                (Some(n), Some(m), _) if n < m => Err(format!("`{}` is below the minimum {m}", q(v))),
                (Some(n), _, Some(m)) if n > m => Err(format!("`{}` is above the maximum {m}", q(v))),
                _ => Ok(()),
            }
        }
        SubType::Number => {
            if is_number(v) {
                Ok(())
            } else {
                Err(format!("`{}` is not a number", q(v)))
            }
        }
        SubType::Enum(words) => {
            if words.contains(&v) {
                Ok(())
            } else {
                Err(format!("`{}` is not one of {}", q(v), words.join(", ")))
            }
        }
        SubType::Size => {
            if is_disk_size(v) {
                Ok(())
            } else {
                Err(format!("`{}` is not a size (a number with an optional K/M/G/T suffix)", q(v)))
            }
        }
        SubType::Check(f) => f(v),
    }
}

/// A set of small indexes, without allocating for the first 128.
#[derive(Default)]
struct IndexSet {
    bits: u128,
    more: Vec<usize>,
}

impl IndexSet {
    fn insert(&mut self, i: usize) {
        match u32::try_from(i).ok().and_then(|i| 1u128.checked_shl(i)) {
            Some(bit) => self.bits |= bit,
            None => self.more.push(i),
        }
    }

    fn contains(&self, i: usize) -> bool {
        match u32::try_from(i).ok().and_then(|i| 1u128.checked_shl(i)) {
            Some(bit) => self.bits & bit != 0,
            None => self.more.contains(&i),
        }
    }
}

/// Checks a parsed property string against a format, as `parse_property_string` and
/// `check_object` do. Returns every problem (structural ones from [`parse`] first); an
/// empty list means Proxmox accepts the value. `whole` is the span reported for a missing
/// required key.
/// `text` is the text of the file the spans point into.
/// The format is given in parts (`schema`), concatenated (a drive's common keys and the
/// keys of its bus).
pub fn validate(text: &str, ps: &PropString, schema: &[&[SubKey]], whole: Span) -> Vec<PropProblem> {
    let keys = || schema.iter().flat_map(|part| part.iter());
    let mut problems = ps.problems.to_vec();
    let default_key = keys().find(|k| k.default_key);
    // Keys set so far, by their index in the schema (names are unique in a format).
    let mut seen = IndexSet::default();
    // On the first repeat: the spellings of the keys so far (and whether a keyless part
    // was seen), kept up to date from then on, so that n repeats cost O(n).
    let mut spelled: Option<(std::collections::HashSet<&str>, bool)> = None;
    for (idx, item) in ps.items.iter().enumerate() {
        let (name, span) = match item.key() {
            None => match default_key {
                Some(d) => (d.name, item.value),
                None => {
                    problems.push(PropProblem {
                        span: item.value,
                        message: format!(
                            "`{}` has no key and this format has no default key",
                            crate::diag::quote_bounded(item.value.of(text))
                        ),
                    });
                    continue;
                }
            },
            Some(k) => (k.of(text), k),
        };
        let Some((mut slot, mut sub)) = keys().enumerate().find(|(_, k)| k.name == name) else {
            problems.push(PropProblem {
                span,
                message: format!(
                    "`{}` is not a key of this property (\"invalid key in comma-separated list property\")",
                    crate::diag::quote_bounded(name)
                ),
            });
            continue;
        };
        if let Some(target) = sub.alias_of {
            if let Some((i, t)) = keys().enumerate().find(|(_, k)| k.name == target) {
                (slot, sub) = (i, t);
            }
        }
        if seen.contains(slot) {
            // A repeat of the same spelling (or a second keyless part) was already
            // reported by `parse`; an alias or a keyless part plus `key=` was not.
            let (keys_so_far, keyless) = spelled.get_or_insert_with(|| {
                let earlier = &ps.items[..idx];
                (
                    earlier.iter().filter_map(|i| i.key()).map(|k| k.of(text)).collect(),
                    earlier.iter().any(|i| i.key_len == 0),
                )
            });
            let reported = match item.key() {
                None => *keyless,
                Some(k) => keys_so_far.contains(k.of(text)),
            };
            if !reported {
                problems.push(PropProblem {
                    span,
                    message: format!(
                        "`{}` is given twice (\"duplicate key in comma-separated list property\")",
                        sub.name
                    ),
                });
            }
        }
        seen.insert(slot);
        if let Some((keys_so_far, keyless)) = &mut spelled {
            match item.key() {
                None => *keyless = true,
                Some(k) => {
                    keys_so_far.insert(k.of(text));
                }
            }
        }
        if let Err(msg) = check_value(sub.ty, item.value.of(text)) {
            problems.push(PropProblem { span: item.value, message: format!("{}: {msg}", sub.name) });
        }
    }
    for (i, k) in keys().enumerate().filter(|(_, k)| k.required && k.alias_of.is_none()) {
        if !seen.contains(i) {
            problems.push(PropProblem { span: whole, message: format!("the required key `{}` is missing", k.name) });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;

    /// A file text with `text` at byte `at`, and the parse of that slice.
    fn file(text: &str, at: usize) -> (String, PropString) {
        let file = " ".repeat(at) + text;
        let ps = parse(Span::new(FileId(0), at, at + text.len()).spanned(&file));
        (file, ps)
    }

    #[test]
    fn splits_keys_values_and_spans() {
        let (f, ps) = file("usb-3tb:subvol-113-disk-0,mp=/media/frigate,backup=1", 10);
        assert!(ps.is_well_formed());
        assert_eq!(ps.items.len(), 3);
        let vol = ps.positional().unwrap();
        assert_eq!(vol.of(&f), "usb-3tb:subvol-113-disk-0");
        assert_eq!((vol.start, vol.end), (10, 35));
        let mp = ps.get_item(&f, "mp").unwrap();
        assert_eq!(mp.key().unwrap().start, 36);
        assert_eq!(mp.value.of(&f), "/media/frigate");
        assert_eq!((mp.value.start, mp.value.end), (39, 53));
        assert_eq!(ps.get(&f, "backup").unwrap().span.start, 61);
        assert_eq!(ps.flag(&f, "backup"), Some(true));
        assert_eq!(ps.flag(&f, "mp"), None);
        assert_eq!(ps.flag(&f, "ro"), None);
    }

    #[test]
    fn skips_blank_parts_and_keeps_whitespace() {
        let (f, ps) = file("a,, ,b=1 , c=2", 0);
        assert_eq!(ps.items.len(), 3);
        // The key of ` c` keeps its space: Proxmox then rejects it as an unknown key.
        assert_eq!(ps.items[2].key().unwrap().of(&f), " c");
        assert_eq!(ps.get(&f, "b").unwrap().value, "1 ");
    }

    #[test]
    fn value_splits_at_first_equals() {
        let (f, ps) = file("k=a=b", 0);
        assert_eq!(ps.get(&f, "k").unwrap().value, "a=b");
    }

    #[test]
    fn structural_errors() {
        let (_, ps) = file("x,backup=,y", 0);
        assert_eq!(ps.problems.len(), 2, "{:?}", ps.problems);
        let (_, ps) = file("=1", 0);
        assert_eq!(ps.problems.len(), 1);
        let (_, ps) = file("v,ro=1,ro=0", 0);
        assert_eq!(ps.problems.len(), 1);
        assert_eq!(ps.problems[0].span.start, 7);
    }

    #[test]
    fn booleans_like_proxmox() {
        for t in ["1", "on", "YES", "True"] {
            assert_eq!(parse_boolean(t), Some(true));
        }
        for f in ["0", "Off", "no", "FALSE"] {
            assert_eq!(parse_boolean(f), Some(false));
        }
        assert_eq!(parse_boolean("2"), None);
        assert_eq!(parse_boolean(""), None);
    }

    #[test]
    fn numbers_and_sizes() {
        assert!(is_number("1.5") && is_number("-2") && is_number(".5") && is_number("1e3"));
        assert!(!is_number("1.2.3") && !is_number("") && !is_number("."));
        assert!(is_disk_size("8G") && is_disk_size("32") && is_disk_size("1.5T") && is_disk_size("4GiB"));
        assert!(!is_disk_size("8GB") && !is_disk_size("G") && !is_disk_size("8 G") && !is_disk_size("1."));
    }

    const SCHEMA: &[SubKey] = &[
        SubKey::default("volume", SubType::Str),
        SubKey::alias("file", "volume"),
        SubKey::req("mp", SubType::Str),
        SubKey::opt("backup", SubType::Bool),
        SubKey::opt("size", SubType::Size),
        SubKey::opt("mode", SubType::Enum(&["a", "b"])),
    ];

    #[test]
    fn validates_against_schema() {
        let whole = Span::default();
        let (f, ok) = file("vol,mp=/x,backup=yes,size=8G,mode=a", 0);
        assert!(validate(&f, &ok, &[SCHEMA], whole).is_empty());
        let (f, bad) = file("vol,backup=maybe,size=8GB,mode=c,foo=1", 0);
        let p = validate(&f, &bad, &[SCHEMA], whole);
        let msgs: Vec<&str> = p.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(p.len(), 5, "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("`foo` is not a key")));
        assert!(msgs.iter().any(|m| m.contains("`mp` is missing")));
        // Alias and positional both set the volume.
        let (f, dup) = file("vol,file=x,mp=/", 0);
        assert_eq!(validate(&f, &dup, &[SCHEMA], whole).len(), 1);
        let (f, aliased) = file("file=x,mp=/", 0);
        assert!(validate(&f, &aliased, &[SCHEMA], whole).is_empty());
    }

    #[test]
    fn never_panics_on_odd_text() {
        for t in ["", ",", "=", "é=ü,ß", "a=\u{1F600},=", ",,,=,=="] {
            let (f, ps) = file(t, 3);
            let _ = validate(&f, &ps, &[SCHEMA], Span::default());
        }
    }
}
