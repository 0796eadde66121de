//! `pvelint --version` names the git commit it was built from: `PVELINT_GIT_COMMIT` when
//! the packager sets it, else `git rev-parse` of the checkout (with `-dirty` for
//! uncommitted changes), else `unknown` (a source tarball without git).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=PVELINT_GIT_COMMIT");
    let commit = std::env::var("PVELINT_GIT_COMMIT").ok().filter(|c| !c.is_empty()).or_else(|| {
        let head = git(&["rev-parse", "--short=12", "HEAD"])?;
        // Rebuild when HEAD or the index moves (a commit, a checkout, a staged change).
        for p in ["HEAD", "index"] {
            if let Some(path) = git(&["rev-parse", "--git-path", p]) {
                println!("cargo:rerun-if-changed={path}");
            }
        }
        let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
        Some(if dirty { format!("{head}-dirty") } else { head })
    });
    println!("cargo:rustc-env=PVELINT_GIT_COMMIT={}", commit.as_deref().unwrap_or("unknown"));
}
