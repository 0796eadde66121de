//! Stable identities of findings, for baselines, SARIF partial fingerprints and GitLab
//! Code Quality: code + file + object + key + the normalised text under the primary span.
//! Line numbers are left out, so unrelated edits that move lines keep the identity.

use pvelint_parse::text::{fnv1a, FNV1A_START};
use pvelint_parse::{Diagnostic, Tree};

/// The parts a fingerprint is made of.
pub fn parts(tree: &Tree, d: &Diagnostic) -> [String; 5] {
    let f = tree.file(d.span.file);
    let text = f.text.get(d.span.range()).unwrap_or_default();
    [
        d.code.to_string(),
        f.path.clone(),
        d.object.clone().unwrap_or_default(),
        d.key.clone().unwrap_or_default(),
        text.split_whitespace().collect::<Vec<_>>().join(" "),
    ]
}

/// A 16-hex-digit fingerprint of the parts.
pub fn fingerprint(tree: &Tree, d: &Diagnostic) -> String {
    // FNV-1a: stable across runs, platforms and versions (unlike `DefaultHasher`).
    let mut h = FNV1A_START;
    for p in parts(tree, d) {
        h = fnv1a(p.as_bytes(), h);
        h = fnv1a(&[0x1f], h);
    }
    format!("{h:016x}")
}

/// Fingerprints of all diagnostics, made unique by appending `#n` to repeats (two
/// identical findings in one file stay two entries).
pub fn fingerprints(tree: &Tree, diags: &[Diagnostic]) -> Vec<String> {
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    diags
        .iter()
        .map(|d| {
            let fp = fingerprint(tree, d);
            let n = seen.entry(fp.clone()).or_default();
            *n += 1;
            if *n == 1 {
                fp
            } else {
                format!("{fp}#{n}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pvelint_parse::{InputFile, TreeInput};

    fn lint(text: &str) -> (Tree, Vec<Diagnostic>) {
        let input =
            TreeInput { files: vec![InputFile::new("storage.cfg", text.as_bytes().to_vec())], ..TreeInput::default() };
        crate::lint(input, |_| true)
    }

    #[test]
    fn survives_moved_lines_but_not_changed_values() {
        let (t1, d1) = lint("dir: bk\n\tpath /mnt/bk\n\tcontent backupz\n");
        let (t2, d2) = lint("dir: other\n\tpath /srv/x\n\ndir: bk\n\tpath /mnt/bk\n\tcontent backupz\n");
        let (t3, d3) = lint("dir: bk\n\tpath /mnt/bk\n\tcontent backupx\n");
        let p008 = d1.iter().find(|d| d.code == "P008").expect("the content typo");
        let f1 = fingerprint(&t1, p008);
        assert!(d2.iter().any(|d| fingerprint(&t2, d) == f1), "moved lines keep the fingerprint");
        assert!(d3.iter().all(|d| fingerprint(&t3, d) != f1), "another value is another finding");
        assert_eq!(f1.len(), 16);
    }
}
