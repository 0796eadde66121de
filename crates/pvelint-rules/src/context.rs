//! Indexes over the model that rules share, built once per run.

use pvelint_parse::Tree;

/// What every rule sees.
pub struct Context<'a> {
    pub tree: &'a Tree,
}

impl<'a> Context<'a> {
    pub fn new(tree: &'a Tree) -> Self {
        Context { tree }
    }
}
