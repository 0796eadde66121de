//! Baselines: `--write-baseline FILE` records today's findings by fingerprint;
//! `--baseline FILE` hides them, so an existing cluster can adopt pvelint and fail only
//! on new problems. Entries that match nothing any more are reported, so the baseline
//! shrinks as problems get fixed.

use crate::fingerprint;
use pvelint_parse::{Diagnostic, Tree};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub code: String,
    pub path: String,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// The baseline of a run, sorted by path, code and fingerprint.
pub fn of(tree: &Tree, diags: &[Diagnostic]) -> Baseline {
    let fps = fingerprint::fingerprints(tree, diags);
    let mut findings: Vec<Entry> = diags
        .iter()
        .zip(fps)
        .map(|(d, fp)| Entry {
            fingerprint: fp,
            code: d.code.to_string(),
            path: tree.file(d.span.file).path.clone(),
            message: d.message.clone(),
        })
        .collect();
    findings.sort_by(|a, b| (&a.path, &a.code, &a.fingerprint).cmp(&(&b.path, &b.code, &b.fingerprint)));
    Baseline { version: 1, findings }
}

pub fn to_json(b: &Baseline) -> String {
    let mut s = serde_json::to_string_pretty(b).unwrap_or_default();
    s.push('\n');
    s
}

pub fn read(path: &Path) -> Result<Baseline, String> {
    // Named on the command line: a link is followed, but only a regular file within the
    // size limit is read, and no error quotes its content.
    let text =
        crate::discover::read_text(path, true).map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    let b: Baseline =
        serde_json::from_str(&text).map_err(|e| format!("{} is not a pvelint baseline: {e}", path.display()))?;
    if b.version != 1 {
        return Err(format!("{}: baseline version {} is not supported", path.display(), b.version));
    }
    Ok(b)
}

/// Splits the run into the findings that are new, and the baseline entries that no
/// longer match anything.
pub fn filter(tree: &Tree, diags: Vec<Diagnostic>, baseline: &Baseline) -> (Vec<Diagnostic>, Vec<Entry>) {
    let mut known: BTreeMap<&str, &Entry> = baseline.findings.iter().map(|e| (e.fingerprint.as_str(), e)).collect();
    let fps = fingerprint::fingerprints(tree, &diags);
    let mut new = Vec::new();
    for (d, fp) in diags.into_iter().zip(fps) {
        if known.remove(fp.as_str()).is_none() {
            new.push(d);
        }
    }
    (new, known.into_values().cloned().collect())
}
