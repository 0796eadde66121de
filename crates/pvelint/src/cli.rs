//! Command-line interface. Exit codes: 0 no error or warning, 1 at least one, 2 usage,
//! I/O or no-tree errors.

use crate::discover;
use crate::render::{self, FullStyle, Summary};
use clap::{Parser, Subcommand, ValueEnum};
use pvelint_rules::RuleMeta;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser, Debug)]
#[command(name = "pvelint", version, about = "Static linter for Proxmox VE cluster configuration trees")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a tree: a copy of /etc/pve, of /etc (pve/ and vzdump.conf) or of a root (etc/pve).
    Check(CheckArgs),
    /// Show the document of a rule, or list every rule.
    Rule {
        /// Code (G105) or name (backup-volume-on-removable-storage).
        code: Option<String>,
        /// List every code with its name, default severity and summary.
        #[arg(long, conflicts_with = "code")]
        all: bool,
    },
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// The tree; default: the current directory if it is one, else /etc/pve.
    path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Full)]
    format: Format,
    /// Attach a node's /etc/vzdump.conf: NODE=FILE (repeatable).
    #[arg(long = "vzdump-conf", value_name = "NODE=FILE")]
    vzdump_conf: Vec<String>,
    /// Only these codes or code prefixes (comma-separated, e.g. G1,J101).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these codes or code prefixes (comma-separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Colour in the full format.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Full,
    Concise,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// Runs the CLI and returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_ERROR } else { EXIT_CLEAN };
        }
    };
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    match cli.command {
        Command::Rule { code, all } => rule(code.as_deref(), all, &mut stdout, &mut stderr),
        Command::Check(args) => check(&args, &mut stdout, &mut stderr),
    }
}

fn rule(code: Option<&str>, all: bool, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    if all || code.is_none() {
        for m in pvelint_rules::registry::all_meta() {
            let _ = writeln!(out, "{}  {:<44} {:<8} {}", m.code, m.name, m.severity.as_str(), m.summary);
        }
        return EXIT_CLEAN;
    }
    let code = code.unwrap_or_default();
    match pvelint_rules::find(code) {
        Some(m) => {
            let _ = write!(out, "{}", m.doc);
            if !m.doc.ends_with('\n') {
                let _ = writeln!(out);
            }
            EXIT_CLEAN
        }
        None => {
            let _ = writeln!(err, "pvelint: unknown rule '{code}'; `pvelint rule --all` lists every rule");
            EXIT_ERROR
        }
    }
}

/// Whether a code matches a selector: the code, its name, or a prefix of the code.
fn matches(meta: &RuleMeta, selector: &str) -> bool {
    let s = selector.trim();
    !s.is_empty() && (meta.name == s || meta.code.len() >= s.len() && meta.code[..s.len()].eq_ignore_ascii_case(s))
}

fn check(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    for s in args.select.iter().chain(&args.ignore) {
        if !pvelint_rules::registry::all_meta().iter().any(|m| matches(m, s)) {
            let _ = writeln!(err, "pvelint: '{s}' matches no rule code or name; `pvelint rule --all` lists them");
            return EXIT_ERROR;
        }
    }
    let (root, explicit) = match &args.path {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from("."), false),
    };
    let layout = match discover::find_layout(&root) {
        Some(l) => l,
        None if !explicit => match discover::find_layout(Path::new("/etc/pve")) {
            Some(l) => l,
            None => {
                let _ = writeln!(err, "pvelint: {}, nor in /etc/pve", discover::looked_for(&root));
                return EXIT_ERROR;
            }
        },
        None => {
            let what = if root.is_dir() {
                discover::looked_for(&root)
            } else {
                format!("{} is not a directory", root.display())
            };
            let _ = writeln!(err, "pvelint: {what}");
            return EXIT_ERROR;
        }
    };
    let (mut input, notes) = discover::read_tree(&layout);
    for spec in &args.vzdump_conf {
        let Some((node, file)) = spec.split_once('=') else {
            let _ = writeln!(err, "pvelint: --vzdump-conf takes NODE=FILE, got '{spec}'");
            return EXIT_ERROR;
        };
        if !pvelint_parse::storage::valid_node_name(node) {
            let _ = writeln!(err, "pvelint: --vzdump-conf: '{node}' is not a valid node name");
            return EXIT_ERROR;
        }
        let f = discover::read_file(Path::new(file), file.to_string());
        if let Some(e) = &f.error {
            let _ = writeln!(err, "pvelint: --vzdump-conf {spec}: {e}");
            return EXIT_ERROR;
        }
        input.vzdump_confs.retain(|(n, _)| n != node);
        input.vzdump_confs.push((node.to_string(), f));
    }
    for n in &notes {
        let _ = writeln!(err, "pvelint: note: {n}");
    }
    let enabled = |m: &RuleMeta| {
        (args.select.is_empty() || args.select.iter().any(|s| matches(m, s)))
            && !args.ignore.iter().any(|s| matches(m, s))
    };
    let (tree, diags) = crate::lint(input, enabled);
    let summary = Summary::of(&tree, &diags);
    let text = match args.format {
        Format::Json => render::json(&tree, &diags),
        Format::Concise => render::concise(&tree, &diags) + &render::summary_line(&summary),
        Format::Full => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100);
            render::full(&tree, &diags, FullStyle { color, width }) + &render::summary_line(&summary)
        }
    };
    if out.write_all(text.as_bytes()).and_then(|()| out.flush()).is_err() {
        return EXIT_ERROR;
    }
    if summary.errors + summary.warnings > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}
