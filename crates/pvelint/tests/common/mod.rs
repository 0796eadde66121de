//! Helpers shared by test binaries (`mod common;`).

use std::fs;
use std::path::Path;

/// Copies a directory tree, links as links (a tree's `local` link stays a link).
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(e.file_name());
        let t = e.file_type().unwrap();
        if t.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(e.path()).unwrap(), dest).unwrap();
        } else if t.is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}
