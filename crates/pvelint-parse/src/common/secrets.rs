//! What counts as a secret, for the renderers (which must never show one) and for the
//! rule about key material in the tree.
//!
//! pvelint never opens anything under `priv/` (the tree loader does not classify it and
//! the CLI prunes it), but secrets also turn up where Proxmox does not put them: a
//! `password` written into storage.cfg by hand, a `cipassword` hash in a guest config,
//! a token line in user.cfg. [`redact`] masks the values of such lines so that no output
//! format quotes them.

use std::borrow::Cow;

/// Keys whose values are secrets (storage.cfg, guest configs, anything `key value` or
/// `key: value`). Compared case-insensitively.
pub const SENSITIVE_KEYS: &[&str] = &[
    "password",
    "cipassword",
    "encryption-key",
    "master-pubkey",
    "keyring",
    "secret",
    "token",
    "api-token",
    "client-key",
    "privkey",
];

/// Whether a line's key is one of [`SENSITIVE_KEYS`] (or a user.cfg `token:` line).
fn sensitive_value_start(line: &str) -> Option<usize> {
    let trimmed = line.trim_start();
    let lead = line.len() - trimmed.len();
    let key_len = trimmed.find(|c: char| c.is_whitespace() || c == ':' || c == '=').unwrap_or(trimmed.len());
    let key = &trimmed[..key_len];
    if !SENSITIVE_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
        return None;
    }
    let rest = &trimmed[key_len..];
    let sep = rest.len() - rest.trim_start_matches(|c: char| c.is_whitespace() || c == ':' || c == '=').len();
    Some(lead + key_len + sep)
}

/// `text` with the value of every sensitive line replaced by `*`, byte for byte (one
/// `*` per byte, so every offset and character boundary of `text` stays valid).
/// Borrowed when nothing needed masking.
pub fn redact(text: &str) -> Cow<'_, str> {
    // Built front to back (text up to each masked value, then the stars): linear in the
    // file however many lines are masked.
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if let Some(start) = sensitive_value_start(body) {
            let (a, b) = (pos + start, pos + body.len());
            if a < b {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(&text[copied..a]);
                o.extend(std::iter::repeat_n('*', b - a));
                copied = b;
            }
        }
        pos += line.len();
    }
    match out {
        Some(mut s) => {
            s.push_str(&text[copied..]);
            Cow::Owned(s)
        }
        None => Cow::Borrowed(text),
    }
}

/// The values of the sensitive lines of `text`, for [`scrub`].
pub fn sensitive_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(start) = sensitive_value_start(line) {
            let v = line[start..].trim();
            if !v.is_empty() {
                out.push(v.to_string());
            }
            if v.len() >= 4 {
                // A value may be quoted in parts (a property string split at commas).
                out.extend(v.split([',', ' ', '\t']).filter(|p| p.len() >= 4 && p.len() < v.len()).map(str::to_string));
            }
        }
    }
    out
}

/// Masks the values of sensitive lines in the texts of a diagnostic (message, help,
/// labels), in case a message quotes one. A value of at least 4 bytes is masked wherever
/// it appears; a shorter one only where it is quoted (`'ab'`, `` `ab` ``, `"ab"`), since
/// masking every `ab` would garble words.
pub fn scrub(d: &mut crate::Diagnostic, values: &[String]) {
    let mask = |s: &mut String| {
        for v in values {
            if v.len() >= 4 {
                if s.contains(v.as_str()) {
                    *s = s.replace(v.as_str(), "****");
                }
                continue;
            }
            for q in ['\'', '`', '"'] {
                let quoted = format!("{q}{v}{q}");
                if s.contains(&quoted) {
                    *s = s.replace(&quoted, &format!("{q}****{q}"));
                }
            }
        }
    };
    mask(&mut d.message);
    if let Some(h) = &mut d.help {
        mask(h);
    }
    for l in &mut d.labels {
        mask(&mut l.message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_values_of_sensitive_keys_byte_for_byte() {
        let t = "pbs: x\n\tpassword hunter2\n\tdatastore d\nPassword: é\r\ncipassword=$5$abc\n";
        let r = redact(t);
        assert_eq!(r.len(), t.len());
        assert_eq!(r, "pbs: x\n\tpassword *******\n\tdatastore d\nPassword: **\r\ncipassword=******\n");
        assert!(matches!(redact("dir: local\n\tpath /x\n"), Cow::Borrowed(_)));
        assert_eq!(redact("token:root@pam!t:0:1:c:"), "token:*****************");
        assert_eq!(redact("\tpassword"), "\tpassword");
    }

    #[test]
    fn scrubs_quoted_values() {
        let vals = sensitive_values("x\n\tpassword hunter22\n\tkeyring ab\n");
        assert_eq!(vals, vec!["hunter22".to_string(), "ab".to_string()]);
        let span = crate::Span::default();
        let mut d = crate::Diagnostic::new("P001", "x", crate::Severity::Error, span, "value 'hunter22' dropped")
            .with_help("hunter22")
            .with_label(span, "is hunter22");
        scrub(&mut d, &vals);
        assert_eq!(
            (d.message.as_str(), d.help.as_deref(), d.labels[0].message.as_str()),
            ("value '****' dropped", Some("****"), "is ****")
        );
        // A short value is masked where it is quoted, not inside words.
        let mut d = crate::Diagnostic::new("P006", "x", crate::Severity::Warning, span, "keeps 'ab', about `ab`")
            .with_help("\"ab\" was given");
        scrub(&mut d, &vals);
        assert_eq!((d.message.as_str(), d.help.as_deref()), ("keeps '****', about `****`", Some("\"****\" was given")));
    }
}
