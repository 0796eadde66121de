//! `check --diff`: the fixes as a unified diff, git style (`diff --git a/PATH b/PATH`,
//! hunks with three lines of context), paths as the other formats show them. Before each
//! file, `#` lines name the fixes applied to it and whether each is safe or unsafe
//! (`git apply` and `patch` skip them). Values of sensitive keys are masked in the
//! context lines (no fix edits such a line: `pipeline` drops those fixes).

use pvelint_parse::secrets::redact;
use similar::TextDiff;

/// Files larger than this (bytes, before and after) get a linear-time diff.
const LARGE: usize = 256 * 1024;

/// One changed file: the path shown, its text before and after, the fixes applied.
pub struct FileDiff<'a> {
    pub path: &'a str,
    pub old: &'a str,
    pub new: &'a str,
    pub notes: &'a [String],
}

/// The unified diff of the changed files, in the order given (sorted by the caller).
pub fn diff(files: &[FileDiff]) -> String {
    let mut out = String::new();
    for f in files {
        for n in f.notes {
            out.push_str(&format!("# {}\n", super::commands::comment(n)));
        }
        let (old, new) = (redact(f.old), redact(f.new));
        let mut config = TextDiff::configure();
        if f.old.len() + f.new.len() > LARGE {
            // Myers costs O(n·d): past this size the lines between the common prefix and
            // suffix are shown as one replacement (a deadline already passed makes similar
            // give up at once, the same way every run).
            let past = std::time::Instant::now().checked_sub(std::time::Duration::from_secs(1));
            config.deadline(past.unwrap_or_else(std::time::Instant::now));
        }
        let d = config.diff_lines(old.as_ref(), new.as_ref());
        out.push_str(&format!("diff --git a/{0} b/{0}\n", f.path));
        let (a, b) = (format!("a/{}", f.path), format!("b/{}", f.path));
        out.push_str(&d.unified_diff().context_radius(3).missing_newline_hint(true).header(&a, &b).to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_have_three_lines_of_context_and_secrets_are_masked() {
        let old = "a\nb\nc\nd\ne\npassword: hunter22\nf\ng\nh\ni\nj\n";
        let new = "a\nb\nc\nd\ne\npassword: hunter22\nf\nG\nh\ni\nj\n";
        let notes = vec!["X101 line 8: fix g (safe fix)".to_string()];
        let out = diff(&[FileDiff { path: "storage.cfg", old, new, notes: &notes }]);
        assert!(out.starts_with("# X101 line 8: fix g (safe fix)\ndiff --git a/storage.cfg b/storage.cfg\n--- a/storage.cfg\n+++ b/storage.cfg\n@@ -5,7 +5,7 @@\n"), "{out}");
        assert!(out.contains("-g\n+G\n") && !out.contains("hunter22") && out.contains("password: ********"), "{out}");
        assert!(!out.contains("\n a\n"), "only three lines of context: {out}");
    }

    #[test]
    fn large_files_diff_in_linear_time_and_the_same_way_every_run() {
        let old: String = (0..40_000).map(|i| format!("line {i}\r\n")).collect();
        let new = old.replace("\r\n", "\n");
        let t = std::time::Instant::now();
        let a = diff(&[FileDiff { path: "x", old: &old, new: &new, notes: &[] }]);
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(a, diff(&[FileDiff { path: "x", old: &old, new: &new, notes: &[] }]));
        assert!(a.contains("@@ -1,40000 +1,40000 @@\n"), "{}", &a[..200]);
    }

    #[test]
    fn a_missing_final_newline_is_marked() {
        let out = diff(&[FileDiff { path: "x", old: "a\r\nb", new: "a\nb", notes: &[] }]);
        assert!(out.contains("-a\r\n+a\n b\n\\ No newline at end of file\n"), "{out:?}");
    }
}
