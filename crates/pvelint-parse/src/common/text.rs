//! Small text helpers that mirror Perl behaviour shared by several Proxmox parsers.

/// Perl's `\s` on byte strings: space, tab, CR, LF, vertical tab, form feed.
pub fn is_perl_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\x0b' | '\x0c')
}

/// The byte ranges of the maximal runs of characters that are not separators.
pub fn runs(s: &str, is_sep: impl Fn(char) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        if is_sep(c) {
            if let Some(st) = start.take() {
                out.push((st, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((st, s.len()));
    }
    out
}

/// `PVE::Tools::split_list`, with the byte range of each element: when the text holds a
/// NUL, `split(/\0/)` (inner empty elements kept, trailing ones dropped); otherwise the
/// runs between `,`, `;` and whitespace.
pub fn split_list(s: &str) -> Vec<(usize, usize)> {
    if !s.contains('\0') {
        return runs(s, |c| c == ',' || c == ';' || is_perl_space(c));
    }
    let mut out = Vec::new();
    let mut start = 0;
    for (i, _) in s.match_indices('\0') {
        out.push((start, i));
        start = i + 1;
    }
    out.push((start, s.len()));
    while out.last().is_some_and(|(a, b)| a == b) {
        out.pop();
    }
    out
}

/// `PVE::Tools::decode_text`: URL-unescape, then UTF-8 (invalid sequences replaced).
pub fn decode_text(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The FNV-1a (64 bit) offset basis: the state to start [`fnv1a`] from.
pub const FNV1A_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a, 64 bit, continued from state `h` over `bytes`: stable across runs, platforms
/// and versions (finding fingerprints), and fast for short IDs (storage lookups).
pub fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A count and its noun, for messages: `1 guest`, `0 guests`, `2 infos`. Every message
/// and summary counts through this (or [`count_irregular`]), never with `(s)`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// [`count`] for nouns whose plural is not `+s`: `count_irregular(n, "entry", "entries")`.
pub fn count_irregular(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The plural ending of a noun counted `n` times (`""` or `"s"`), where the number is
/// written apart from the noun.
/// `a`, `a and b`, `a, b and c`: an English list (the caller bounds its length).
pub fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub fn plural_s(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Names quoted and joined the way messages name things: `'a'`, `'a', 'b'`; at most
/// [`crate::diag::MAX_RELATED`] of them, then "and N more" (issue 12: no message embeds
/// an unbounded list).
pub fn quoted<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let items: Vec<S> = items.into_iter().collect();
    let total = items.len();
    let shown = items.iter().take(crate::diag::MAX_RELATED).map(|s| format!("'{}'", s.as_ref()));
    crate::diag::bounded_list_of(shown, total, ", ", ", ")
}

/// `pve-node`: a DNS label.
pub fn valid_node_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_quotes() {
        assert_eq!(count(0, "info"), "0 infos");
        assert_eq!(count(1, "guest"), "1 guest");
        assert_eq!(count(3, "guest"), "3 guests");
        assert_eq!(count_irregular(2, "entry", "entries"), "2 entries");
        assert_eq!(quoted(["a", "b"]), "'a', 'b'");
        assert_eq!(quoted(Vec::<String>::new()), "");
    }

    #[test]
    fn split_list_like_perl() {
        let items = |s: &'static str| split_list(s).into_iter().map(|(a, b)| &s[a..b]).collect::<Vec<_>>();
        assert_eq!(items(" a,,b; c\td\x0b"), ["a", "b", "c", "d"]);
        assert_eq!(items("a\0\0b\0\0"), ["a", "", "b"]);
        assert!(items(" ,; ").is_empty());
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(decode_text("a%3Ab%20c%zz%"), "a:b c%zz%");
        assert_eq!(decode_text("caf%C3%A9"), "café");
    }
}
