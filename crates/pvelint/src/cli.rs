//! Command-line interface. Exit codes: 0 no error or warning, 1 at least one, 2 usage,
//! I/O or no-tree errors.

use crate::discover;
use crate::render::{self, FullStyle, Summary};
use crate::whatif::{self, Change};
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
    /// Lint the cluster as it will be after a change (a storage or guest moved, a node
    /// or storage removed): lists what the change introduces and what it resolves.
    WhatIf(WhatIfArgs),
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
struct WhatIfArgs {
    #[command(flatten)]
    tree: CheckArgs,
    /// STORAGE=NODE[,NODE...]: the storage will be available only on those nodes.
    #[arg(long = "move-storage", value_name = "STORAGE=NODES")]
    move_storage: Vec<String>,
    /// NODE: the node leaves the cluster.
    #[arg(long = "remove-node", value_name = "NODE")]
    remove_node: Vec<String>,
    /// VMID=NODE: the guest's config moves to that node.
    #[arg(long = "move-guest", value_name = "VMID=NODE")]
    move_guest: Vec<String>,
    /// STORAGE: the storage is gone.
    #[arg(long = "remove-storage", value_name = "STORAGE")]
    remove_storage: Vec<String>,
    /// STORAGE: the storage is disabled.
    #[arg(long = "disable-storage", value_name = "STORAGE")]
    disable_storage: Vec<String>,
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
        Command::WhatIf(args) => what_if(&args, &mut stdout, &mut stderr),
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

/// Finds and reads the tree of `args`; `Err` holds the exit code after the message.
fn load(args: &CheckArgs, err: &mut dyn Write) -> Result<pvelint_parse::TreeInput, i32> {
    for s in args.select.iter().chain(&args.ignore) {
        if !pvelint_rules::registry::all_meta().iter().any(|m| matches(m, s)) {
            let _ = writeln!(err, "pvelint: '{s}' matches no rule code or name; `pvelint rule --all` lists them");
            return Err(EXIT_ERROR);
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
                return Err(EXIT_ERROR);
            }
        },
        None => {
            let what = if root.is_dir() {
                discover::looked_for(&root)
            } else {
                format!("{} is not a directory", root.display())
            };
            let _ = writeln!(err, "pvelint: {what}");
            return Err(EXIT_ERROR);
        }
    };
    let (mut input, notes) = discover::read_tree(&layout);
    for spec in &args.vzdump_conf {
        let Some((node, file)) = spec.split_once('=') else {
            let _ = writeln!(err, "pvelint: --vzdump-conf takes NODE=FILE, got '{spec}'");
            return Err(EXIT_ERROR);
        };
        if !pvelint_parse::storage::valid_node_name(node) {
            let _ = writeln!(err, "pvelint: --vzdump-conf: '{node}' is not a valid node name");
            return Err(EXIT_ERROR);
        }
        let f = discover::read_file(Path::new(file), file.to_string());
        if let Some(e) = &f.error {
            let _ = writeln!(err, "pvelint: --vzdump-conf {spec}: {e}");
            return Err(EXIT_ERROR);
        }
        input.vzdump_confs.retain(|(n, _)| n != node);
        input.vzdump_confs.push((node.to_string(), f));
    }
    for n in &notes {
        let _ = writeln!(err, "pvelint: note: {n}");
    }
    Ok(input)
}

fn check(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let input = match load(args, err) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let enabled = |m: &RuleMeta| {
        (args.select.is_empty() || args.select.iter().any(|s| matches(m, s)))
            && !args.ignore.iter().any(|s| matches(m, s))
    };
    let (tree, diags) = crate::lint(input, enabled);
    let summary = Summary::of(&tree, &diags);
    let text = match args.format {
        Format::Json => render::json(&tree, &diags),
        Format::Concise => render::concise(&tree, &diags) + &render::summary_line(&summary),
        Format::Full => render::full(&tree, &diags, style(args)) + &render::summary_line(&summary),
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

fn enabled(args: &CheckArgs, m: &RuleMeta) -> bool {
    (args.select.is_empty() || args.select.iter().any(|s| matches(m, s))) && !args.ignore.iter().any(|s| matches(m, s))
}

fn style(args: &CheckArgs) -> FullStyle {
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100);
    FullStyle { color, width }
}

fn what_if(args: &WhatIfArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut changes = Vec::new();
    let parsed: Vec<Result<Change, String>> = args
        .remove_node
        .iter()
        .map(|a| Change::remove_node(a))
        .chain(args.move_storage.iter().map(|a| Change::move_storage(a)))
        .chain(args.move_guest.iter().map(|a| Change::move_guest(a)))
        .chain(args.disable_storage.iter().map(|a| Ok(Change::DisableStorage(a.clone()))))
        .chain(args.remove_storage.iter().map(|a| Ok(Change::RemoveStorage(a.clone()))))
        .collect();
    for p in parsed {
        match p {
            Ok(c) => changes.push(c),
            Err(e) => {
                let _ = writeln!(err, "pvelint: {e}");
                return EXIT_ERROR;
            }
        }
    }
    if changes.is_empty() {
        let _ = writeln!(
            err,
            "pvelint: what-if needs a change: --move-storage, --remove-node, --move-guest, --remove-storage or --disable-storage"
        );
        return EXIT_ERROR;
    }
    let input = match load(&args.tree, err) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let before = pvelint_parse::load(input);
    let enabled = |m: &RuleMeta| enabled(&args.tree, m);
    let outcome = match whatif::what_if(&before, &changes, &enabled) {
        Ok(o) => o,
        Err(e) => {
            let _ = writeln!(err, "pvelint: what-if: {e}");
            return EXIT_ERROR;
        }
    };
    let tree = &outcome.after;
    let text = match args.tree.format {
        Format::Json => render::json_whatif(tree, &outcome.introduced, &outcome.resolved),
        Format::Concise => {
            let mut t = whatif::plan(&changes, &outcome) + &render::concise(tree, &outcome.introduced);
            if !outcome.resolved.is_empty() {
                t.push_str("resolved:\n");
                t.push_str(&render::concise(tree, &outcome.resolved));
            }
            t
        }
        Format::Full => {
            let mut t = whatif::plan(&changes, &outcome) + "\n";
            t.push_str(&render::full(tree, &outcome.introduced, style(&args.tree)));
            if !outcome.resolved.is_empty() {
                t.push_str("Resolved by the change:\n");
                t.push_str(&render::concise(tree, &outcome.resolved));
            }
            t
        }
    };
    if out.write_all(text.as_bytes()).and_then(|()| out.flush()).is_err() {
        return EXIT_ERROR;
    }
    let s = Summary::of(tree, &outcome.introduced);
    if s.errors + s.warnings > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}
