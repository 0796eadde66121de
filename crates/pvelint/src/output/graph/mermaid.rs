//! `graph --format mermaid`: a Mermaid flowchart (for Markdown renderers). Labels are
//! quoted and every character outside a small safe set is an entity code
//! ([`super::mermaid_escape`]).

use super::{mermaid_body, Picture};

/// The title in the front matter (a YAML string in double quotes, which Mermaid shows
/// as written): signs outside a safe set become `_`.
fn title(s: &str) -> String {
    s.chars().map(|c| if c.is_alphanumeric() || " .,_-:/=+@()'?".contains(c) { c } else { '_' }).collect()
}

pub fn mermaid(p: &Picture) -> String {
    format!("---\ntitle: \"{}\"\n---\nflowchart LR\n{}", title(&p.title), mermaid_body(p))
}
