//! Command-line interface. Exit codes: 0 nothing at or above `--fail-on` (default:
//! warning), 1 findings at or above it, 2 usage, configuration, I/O or no-tree errors.

use crate::baseline;
use crate::config::{self, Config};
use crate::discover::{self, Layout};
use crate::output::graph::{GraphFormat, Picture};
use crate::output::{self, Format, FullStyle, Links};
use crate::whatif::{self, Change};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use pvelint_parse::{Diagnostic, Severity, Tree};
use pvelint_rules::RuleMeta;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// `0.1.0 (commit 1a2b3c4d5e6f)`: the version and the git commit of the build.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("PVELINT_GIT_COMMIT"), ")");

pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser, Debug)]
#[command(name = "pvelint", version = VERSION, about = "Static linter for Proxmox VE cluster configuration trees")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a tree (a copy of /etc/pve, of /etc with pve/ and vzdump.conf, or of a root
    /// with etc/pve), or, given files, the tree they belong to.
    Check(CheckArgs),
    /// Lint the cluster as it will be after a change (a storage or guest moved, a node
    /// or storage removed): lists what the change introduces and what it resolves.
    WhatIf(WhatIfArgs),
    /// Draw what depends on what: nodes, storages, guests, backup jobs, vzdump.conf
    /// paths, replication, HA and pools, with the findings of `check` on them; with the
    /// changes of what-if, the tree after them.
    Graph(GraphArgs),
    /// Show the document of a rule, or list every rule.
    Rule {
        /// Code (G105) or name (backup-volume-on-fragile-storage).
        code: Option<String>,
        /// List every code with its name, default severity and summary.
        #[arg(long, conflicts_with = "code")]
        all: bool,
    },
    /// Print the effective configuration for a path (pvelint.yaml found from it).
    Config {
        /// Where to look for pvelint.yaml (default: the current directory).
        path: Option<PathBuf>,
        /// Use this configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print the JSON Schema of pvelint.yaml instead.
        #[arg(long)]
        schema: bool,
        /// Lint the tree and list the ignores that suppress nothing (exit 1 if any).
        #[arg(long, conflicts_with = "schema")]
        unused: bool,
    },
    /// Print this node's facts (mounts, ZFS pools, LVM, bridges, devices, the paths its
    /// configuration depends on) as JSON. Reads only; docs/facts.md.
    Facts(crate::facts::FactsArgs),
    /// Copy this node's /etc/pve (without priv/, keys and state), its vzdump.conf and its
    /// facts into a repository directory: DEST/pve, DEST/hosts/<node>/. docs/facts.md.
    Collect(crate::facts::collect::CollectArgs),
    /// The probe child of `facts` (internal).
    #[command(name = "__probe", hide = true)]
    Probe,
    /// Print a shell completion script (bash, zsh, fish).
    Completions { shell: String },
    /// Print the man page (roff).
    Man,
}

#[derive(clap::Args, Debug)]
struct WhatIfArgs {
    #[command(flatten)]
    tree: CheckArgs,
    #[command(flatten)]
    changes: ChangeArgs,
}

/// The changes of `what-if` (and of `graph`, which then draws the tree after them).
#[derive(clap::Args, Debug, Default)]
struct ChangeArgs {
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

impl ChangeArgs {
    /// The changes, in the order what-if applies them; the first malformed one is an
    /// error, said on `err`.
    fn parse(&self, err: &mut dyn Write) -> Result<Vec<Change>, i32> {
        let parsed: Result<Vec<Change>, String> = self
            .remove_node
            .iter()
            .map(|a| Change::remove_node(a))
            .chain(self.move_storage.iter().map(|a| Change::move_storage(a)))
            .chain(self.move_guest.iter().map(|a| Change::move_guest(a)))
            .chain(self.disable_storage.iter().map(|a| Ok(Change::DisableStorage(a.clone()))))
            .chain(self.remove_storage.iter().map(|a| Ok(Change::RemoveStorage(a.clone()))))
            .collect();
        parsed.map_err(|e| {
            let _ = writeln!(err, "pvelint: {e}");
            EXIT_ERROR
        })
    }
}

/// `pvelint graph`: the options of `check` that say what to read and lint, and the
/// picture's own.
#[derive(clap::Args, Debug)]
struct GraphArgs {
    /// The tree (default: the current directory if it is a tree, else /etc/pve).
    path: Option<PathBuf>,
    /// KIND:ID (node:NAME, storage:ID, guest:VMID, job:ID, …; repeatable): draw these and
    /// what is within reach of them (docs/user-guide.md, "The picture").
    #[arg(long, value_name = "KIND:ID")]
    focus: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
    /// Write the picture to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    src: SourceArgs,
    /// Show the tree's paths under this directory.
    #[arg(long = "path-prefix", value_name = "DIR")]
    path_prefix: Option<String>,
    /// The local node, when the tree does not say it.
    #[arg(long, value_name = "NAME")]
    node: Option<String>,
    #[command(flatten)]
    changes: ChangeArgs,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// The tree, or files of a tree (pre-commit passes the changed files); default: the
    /// current directory if it is a tree, else /etc/pve.
    paths: Vec<PathBuf>,
    /// Output format; default: full on a terminal, concise otherwise.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Also write FORMAT to FILE (repeatable), e.g. sarif=pvelint.sarif.
    #[arg(long, value_name = "FORMAT=FILE")]
    output: Vec<String>,
    #[command(flatten)]
    src: SourceArgs,
    /// Print the effective configuration and exit.
    #[arg(long = "show-config")]
    show_config: bool,
    /// Report only findings not recorded in this baseline.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings in FILE (and exit 0).
    #[arg(long = "write-baseline", value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Exit 1 when a finding has at least this severity.
    #[arg(long = "fail-on", value_enum, default_value_t = FailOn::Warning)]
    fail_on: FailOn,
    /// Exit 0 even when there are findings.
    #[arg(long = "exit-zero")]
    exit_zero: bool,
    /// Print the number of findings per rule.
    #[arg(long)]
    statistics: bool,
    /// With files given: report findings in the whole tree, not only in those files.
    #[arg(long = "all-files-in-tree")]
    all_files_in_tree: bool,
    /// Colour in the full format (NO_COLOR and FORCE_COLOR are honoured under auto).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Show the tree's paths under this directory in every output, e.g. infra/pve when
    /// the tree is that directory of the repository (CI annotations and SARIF resolve
    /// paths from the repository root); files attached with --vzdump-conf keep theirs.
    /// Overrides `path-prefix` of pvelint.yaml.
    #[arg(long = "path-prefix", value_name = "DIR")]
    path_prefix: Option<String>,
    /// The local node (the node whose guests top-level lxc/ and qemu-server/ hold, and
    /// whose vzdump.conf an /etc copy holds), when the tree does not say it (no `local`
    /// link, .members, one-node corosync.conf or single nodes/ directory). Overrides
    /// `node` of pvelint.yaml.
    #[arg(long, value_name = "NAME")]
    node: Option<String>,
    /// Print the fixes of the findings as a unified diff (git style) and change nothing;
    /// exit 1 when there is a diff.
    #[arg(long, conflicts_with = "fix")]
    diff: bool,
    /// Apply the fixes to the tree's files, then report what remains. Only on a copy:
    /// refused (exit 2) for /etc/pve, a FUSE (pmxcfs) mount or a tree with pmxcfs status
    /// files.
    #[arg(long)]
    fix: bool,
    /// Also apply (and show, in every format) the fixes that change what Proxmox does;
    /// without it only safe fixes apply.
    #[arg(long = "unsafe-fixes")]
    unsafe_fixes: bool,
}

/// What to read beside the tree and which rules to run: shared by `check`, `what-if`
/// and `graph`.
#[derive(clap::Args, Debug, Clone)]
struct SourceArgs {
    /// Attach a node's /etc/vzdump.conf: NODE=FILE (repeatable).
    #[arg(long = "vzdump-conf", value_name = "NODE=FILE")]
    vzdump_conf: Vec<String>,
    /// Base address of the rule documents linked from each finding (`{code}` stands for
    /// the code); default: this version's tag of pvelint's repository.
    #[arg(long = "explain-url", value_name = "URL")]
    explain_url: Option<String>,
    /// Attach a node's facts (from `pvelint facts`; the file names its node; repeatable).
    #[arg(long = "facts", value_name = "FILE")]
    facts: Vec<PathBuf>,
    /// Only these codes, code prefixes or names (comma-separated, e.g. G1,J101).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Run these too, on top of the configuration's selection.
    #[arg(long = "extend-select", value_delimiter = ',')]
    extend_select: Vec<String>,
    /// Skip these codes, code prefixes or names (comma-separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Use this configuration file instead of searching for pvelint.yaml.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Ignore any configuration file.
    #[arg(long, conflicts_with = "config")]
    isolated: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// The clap definition, for completions and the man page.
pub fn command() -> clap::Command {
    Cli::command()
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
        Command::Graph(args) => graph(&args, &mut stdout, &mut stderr),
        Command::Config { path, config, schema, unused } => {
            if schema {
                return emit(&mut stdout, &config::json_schema());
            }
            let args = CheckArgs::parse_from_config(path, config);
            if unused {
                return unused_ignores(&args, &mut stdout, &mut stderr).unwrap_or_else(|code| code);
            }
            match load_config(&args, &mut stderr) {
                Ok(c) => emit(&mut stdout, &c.show()),
                Err(code) => code,
            }
        }
        Command::Completions { shell } => match crate::gen::completions(&mut command(), &shell) {
            Ok(s) => emit(&mut stdout, &s),
            Err(e) => {
                let _ = writeln!(stderr, "pvelint: {e}");
                EXIT_ERROR
            }
        },
        Command::Man => emit(&mut stdout, &crate::gen::man_page(&command())),
        Command::Facts(args) => crate::facts::run(&args, &mut stdout, &mut stderr),
        Command::Collect(args) => crate::facts::collect::run(&args, &mut stderr),
        Command::Probe => match crate::facts::probe::serve(std::io::stdin().lock(), &mut stdout) {
            Ok(()) => EXIT_CLEAN,
            Err(_) => EXIT_ERROR,
        },
    }
}

impl CheckArgs {
    fn parse_from_config(path: Option<PathBuf>, config: Option<PathBuf>) -> CheckArgs {
        let mut args = CheckArgs::try_parse_from(["check"]).unwrap_or_else(|_| unreachable!());
        args.paths = path.into_iter().collect();
        args.src.config = config;
        args
    }

    fn try_parse_from(args: [&str; 1]) -> Result<CheckArgs, clap::Error> {
        #[derive(Parser)]
        struct Wrap {
            #[command(flatten)]
            a: CheckArgs,
        }
        Wrap::try_parse_from(args).map(|w| w.a)
    }
}

fn emit(out: &mut dyn Write, text: &str) -> i32 {
    if out.write_all(text.as_bytes()).and_then(|()| out.flush()).is_err() {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
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
            let _ = write!(out, "{}", m.doc());
            if !m.doc().ends_with('\n') {
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

/// The configuration in effect: the file (given, or found from the first path), then
/// the command line on top.
fn load_config(args: &CheckArgs, err: &mut dyn Write) -> Result<Config, i32> {
    for s in args.src.select.iter().chain(&args.src.ignore).chain(&args.src.extend_select) {
        if !config::selector_known(s) {
            let _ = writeln!(err, "pvelint: '{s}' matches no rule code or name; `pvelint rule --all` lists them");
            return Err(EXIT_ERROR);
        }
    }
    let file = if args.src.isolated {
        None
    } else if let Some(c) = &args.src.config {
        Some((c.clone(), config::Origin::Given))
    } else {
        config::find(args.paths.first().map_or(Path::new("."), |p| p.as_path())).map(|f| (f, config::Origin::Found))
    };
    let mut cfg = match file {
        Some((f, origin)) => config::load(&f, origin).map_err(|e| {
            let _ = write!(err, "{}", e.render());
            EXIT_ERROR
        })?,
        None => Config::defaults(),
    };
    if !args.src.select.is_empty() {
        cfg.select = Some(args.src.select.clone());
    }
    cfg.extend_select.extend(args.src.extend_select.iter().cloned());
    cfg.ignore.extend(args.src.ignore.iter().cloned());
    Ok(cfg)
}

/// Where the tree is: a directory given (or the current directory, else /etc/pve), or
/// the tree that holds the files given. Returns the layout, the directory paths are
/// shown relative to, and the files to report on (empty: all).
fn locate(args: &CheckArgs, err: &mut dyn Write) -> Result<(Layout, PathBuf, Vec<PathBuf>), i32> {
    let fail = |err: &mut dyn Write, msg: String| {
        let _ = writeln!(err, "pvelint: {msg}");
        Err(EXIT_ERROR)
    };
    match args.paths.as_slice() {
        [] => {
            let cwd = PathBuf::from(".");
            if let Some(l) = discover::find_layout(&cwd) {
                return Ok((l, cwd, Vec::new()));
            }
            match discover::find_layout(Path::new("/etc/pve")) {
                Some(l) => Ok((l, PathBuf::from("/etc/pve"), Vec::new())),
                None => fail(err, format!("{}, nor in /etc/pve", discover::looked_for(&cwd))),
            }
        }
        [dir] if dir.is_dir() => match discover::find_layout(dir) {
            Some(l) => Ok((l, dir.clone(), Vec::new())),
            None => fail(err, discover::looked_for(dir)),
        },
        files => {
            let mut root: Option<(Layout, PathBuf)> = None;
            let mut wanted = Vec::new();
            for f in files {
                if !f.exists() {
                    return fail(err, format!("{} does not exist", f.display()));
                }
                let Some((layout, dir)) = tree_of(f) else {
                    return fail(err, format!("{} is not inside a Proxmox configuration tree", f.display()));
                };
                match &root {
                    None => root = Some((layout, dir)),
                    Some((_, d)) if same_dir(d, &dir) => {}
                    Some((_, d)) => {
                        return fail(
                            err,
                            format!("the files given belong to two trees ({} and {})", d.display(), dir.display()),
                        )
                    }
                }
                wanted.push(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone()));
            }
            let Some((layout, dir)) = root else { return fail(err, "no file given".into()) };
            Ok((layout, dir, wanted))
        }
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
}

/// The tree a file belongs to: the nearest ancestor directory that is a tree, widened
/// to the `/etc` or root layout around it (so that `pve/jobs.cfg` of an `/etc` copy
/// brings the `vzdump.conf` beside `pve/`, and paths keep their `pve/` prefix).
fn tree_of(file: &Path) -> Option<(Layout, PathBuf)> {
    let abs = std::fs::canonicalize(file).ok()?;
    let mut dir = abs.parent();
    while let Some(d) = dir {
        if let Some(l) = discover::find_layout(d) {
            let mut best = (l, d.to_path_buf());
            for up in d.ancestors().skip(1).take(2) {
                match discover::find_layout(up) {
                    Some(outer) if same_dir(&outer.pve, &best.0.pve) => best = (outer, up.to_path_buf()),
                    _ => {}
                }
            }
            return Some(best);
        }
        dir = d.parent();
    }
    None
}

/// Reads the tree and the attached vzdump.conf files; also returns the paths shown for
/// the attached files (as given, not relative to the tree).
fn read(
    args: &CheckArgs,
    cfg: &Config,
    layout: &Layout,
    err: &mut dyn Write,
) -> Result<(pvelint_parse::TreeInput, BTreeSet<String>), i32> {
    let mut layout = layout.clone();
    let named = match (&args.node, &cfg.node) {
        (Some(n), _) => Some((n.clone(), "--node".to_string())),
        (None, Some(n)) => Some((n.clone(), "`node` in pvelint.yaml".to_string())),
        _ => None,
    };
    if let Some((node, _)) = &named {
        if !pvelint_parse::text::valid_node_name(node) {
            let _ = writeln!(err, "pvelint: --node: '{node}' is not a valid node name");
            return Err(EXIT_ERROR);
        }
    }
    layout.node = named;
    let (mut input, notes) = discover::read_tree(&layout);
    input.pve_version = Some(cfg.pve_version);
    // NODE → the file as read, and its display path. A configuration found in the tree
    // names files below its own directory only, read without following links; one given
    // with --config and the command line's --vzdump-conf may name any file, following links.
    let mut attach: BTreeMap<String, pvelint_parse::InputFile> = BTreeMap::new();
    for (node, rel) in &cfg.vzdump_conf {
        let f = read_config_file(cfg, &format!("vzdump-conf.{node}"), rel, err)?;
        attach.insert(node.clone(), f);
    }
    for spec in &args.src.vzdump_conf {
        let Some((node, file)) = spec.split_once('=') else {
            let _ = writeln!(err, "pvelint: --vzdump-conf takes NODE=FILE, got '{spec}'");
            return Err(EXIT_ERROR);
        };
        if !pvelint_parse::text::valid_node_name(node) {
            let _ = writeln!(err, "pvelint: --vzdump-conf: '{node}' is not a valid node name");
            return Err(EXIT_ERROR);
        }
        attach.insert(node.to_string(), discover::read_named_file(Path::new(file), file.to_string()));
    }
    let attached: BTreeSet<String> = attach.values().map(|f| f.path.clone()).collect();
    for (node, mut f) in attach {
        if let Some(e) = &f.error {
            let _ = writeln!(err, "pvelint: vzdump.conf of node {node} ({}): {e}", f.path);
            return Err(EXIT_ERROR);
        }
        // Not a file of the tree: its snippets show the spans of its findings only.
        f.outside_tree = true;
        input.vzdump_confs.retain(|(n, _)| *n != node);
        input.vzdump_confs.push((node, f));
    }
    // Facts files: from pvelint.yaml (below its directory when found in the tree), then
    // from --facts (the caller's choice). Each names its node.
    let mut facts: Vec<pvelint_parse::InputFile> = Vec::new();
    for rel in &cfg.facts {
        facts.push(read_config_file(cfg, "facts", rel, err)?);
    }
    facts.extend(args.src.facts.iter().map(|p| discover::read_named_file(p, p.display().to_string())));
    let mut attached = attached;
    for mut f in facts {
        if let Some(e) = &f.error {
            let _ = writeln!(err, "pvelint: facts file {}: {e}", f.path);
            return Err(EXIT_ERROR);
        }
        f.outside_tree = true;
        attached.insert(f.path.clone());
        input.facts.push((None, f));
    }
    for n in &notes {
        let _ = writeln!(err, "pvelint: note: {n}");
    }
    Ok((input, attached))
}

/// A file that pvelint.yaml names (`key` says where, for the error), relative to the
/// file's directory. A configuration found in the tree or its parents names files below
/// its own directory only, read without following links; one given with --config may
/// name any file, following links. Either way a regular file of at most 1 MiB.
fn read_config_file(cfg: &Config, key: &str, rel: &str, err: &mut dyn Write) -> Result<pvelint_parse::InputFile, i32> {
    let display = cfg.dir.join(rel).display().to_string();
    match cfg.origin {
        config::Origin::Found => discover::read_beneath(&cfg.dir, rel, display).map_err(|why| {
            let at = cfg.path.as_ref().map_or(String::new(), |p| format!(" of {}", p.display()));
            let _ = writeln!(err, "pvelint: {key}{at}: {why}");
            EXIT_ERROR
        }),
        config::Origin::Given => Ok(discover::read_named_file(&cfg.dir.join(rel), display)),
    }
}

/// `--path-prefix`: the tree's files shown under `prefix` (attached files keep the path
/// they were given with). Applied after everything that maps paths back to the disk.
fn add_path_prefix(tree: &mut Tree, prefix: &str, attached: &BTreeSet<String>) {
    let prefix = prefix.trim_start_matches("./").trim_end_matches('/');
    if prefix.is_empty() {
        return;
    }
    for f in tree.files.iter_mut().filter(|f| !attached.contains(&f.path)) {
        f.path = format!("{prefix}/{}", f.path);
    }
}

fn color(args: &CheckArgs) -> bool {
    match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            let forced = std::env::var("FORCE_COLOR").is_ok_and(|v| !v.is_empty() && v != "0");
            forced || (std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        }
    }
}

fn style(args: &CheckArgs) -> FullStyle {
    let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100);
    FullStyle { color: color(args), width }
}

fn default_format(args: &CheckArgs) -> Format {
    args.format.unwrap_or(if std::io::stdout().is_terminal() { Format::Full } else { Format::Concise })
}

/// Renders one format. Machine formats are never coloured.
/// Where rule documents live: `--explain-url`, else `explain-url:` of pvelint.yaml (both
/// checked), else this version's tag.
fn links<'a>(args: &'a CheckArgs, cfg: &'a Config, err: &mut dyn Write) -> Result<Links<'a>, i32> {
    if let Some(u) = &args.src.explain_url {
        if let Err(why) = pvelint_rules::registry::check_doc_base(u) {
            let _ = writeln!(err, "pvelint: --explain-url: {why}");
            return Err(EXIT_ERROR);
        }
    }
    Ok(Links { doc_base: args.src.explain_url.as_deref().or(cfg.explain_url.as_deref()) })
}

/// The ignores in force that suppressed nothing, one line each (empty when none).
fn unused_report(cfg: &Config, usage: &config::Usage) -> String {
    let unused = cfg.unused(usage);
    let mut s = String::new();
    for i in &unused {
        s.push_str(&format!("unused ignore: {} suppresses nothing\n", i.describe()));
    }
    s
}

/// `pvelint config --unused`: lints the tree as `check` would and lists the ignores that
/// suppress nothing; exit 1 when there are any.
fn unused_ignores(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, i32> {
    let cfg = load_config(args, err)?;
    let (layout, _, _) = locate(args, err)?;
    let (input, _) = read(args, &cfg, &layout, err)?;
    let (tree, diags) = crate::lint(input, |m| cfg.enabled(m));
    let mut usage = config::Usage::default();
    cfg.apply_counting(&tree, diags, &mut usage);
    for note in cfg.expired_notes() {
        let _ = writeln!(err, "pvelint: info: {note}");
    }
    let report = unused_report(&cfg, &usage);
    if emit(out, &report) != EXIT_CLEAN {
        return Err(EXIT_ERROR);
    }
    Ok(if report.is_empty() { EXIT_CLEAN } else { EXIT_FINDINGS })
}

fn statistics(diags: &[Diagnostic]) -> String {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for d in diags {
        *counts.entry((d.code, d.name)).or_default() += 1;
    }
    let mut s = String::new();
    for ((code, name), n) in counts {
        s.push_str(&format!("{n:>6}  {code}  {name}\n"));
    }
    s
}

fn exit_code(args: &CheckArgs, diags: &[Diagnostic]) -> i32 {
    if args.exit_zero {
        return EXIT_CLEAN;
    }
    let threshold = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    if diags.iter().any(|d| d.severity >= threshold) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Whether the tree had files but none could be read (each has a P015 error): the run
/// checked nothing, which must not look like a clean or an ordinary failing run.
fn nothing_usable(tree: &Tree) -> bool {
    // Files with an unreadable-file error, as a set: one pass over the diagnostics, not
    // one per file.
    let unreadable: std::collections::HashSet<_> = tree
        .diagnostics
        .iter()
        .filter(|d| d.code == "P015" && d.severity == Severity::Error)
        .map(|d| d.span.file)
        .collect();
    let mut read = tree.read_files().peekable();
    read.peek().is_some() && read.all(|f| unreadable.contains(&f.id))
}

/// `--output` never overwrites a configuration file of the tree.
fn refuse_tree_file(path: &Path, tree: &Tree, root: &Path) -> Option<String> {
    let target = std::fs::canonicalize(path).ok()?;
    tree.files.iter().find_map(|f| {
        let p = std::fs::canonicalize(root.join(&f.path)).ok()?;
        (p == target)
            .then(|| format!("refusing to write {}: it is {} of the tree being checked", path.display(), f.path))
    })
}

fn parse_outputs(args: &CheckArgs, err: &mut dyn Write) -> Result<Vec<(Format, PathBuf)>, i32> {
    let mut outs = Vec::new();
    for spec in &args.output {
        let parsed = spec.split_once('=').and_then(|(f, file)| Format::from_str(f, true).ok().map(|f| (f, file)));
        match parsed {
            Some((f, file)) if !file.is_empty() => outs.push((f, PathBuf::from(file))),
            _ => {
                let _ = writeln!(
                    err,
                    "pvelint: --output takes FORMAT=FILE with FORMAT one of full, concise, json, sarif, github, gitlab, markdown, html, commands; got '{spec}'"
                );
                return Err(EXIT_ERROR);
            }
        }
    }
    Ok(outs)
}

/// Leaves a finding's fix only if it is safe.
fn strip_unsafe_fix(d: &mut Diagnostic) {
    if d.fix.as_ref().is_some_and(|f| f.applicability != pvelint_parse::Applicability::Safe) {
        d.fix = None;
    }
}

/// What `--diff` or `--fix` leaves to do: exit with a code, or go on with the fixed tree.
enum FixOutcome {
    Done(i32),
    Fixed(Box<pvelint_parse::TreeInput>),
}

/// `--diff` (print, exit 1 when there is a diff) and `--fix` (write the files of a copy,
/// then lint what remains): the fixes of the findings the run reports (configuration
/// applied; with files given, of those files), pass after pass
/// (`pvelint_rules::fix::fix_input`).
fn fix_tree(
    args: &CheckArgs,
    cfg: &Config,
    (layout, root, wanted): (&Layout, &Path, &[PathBuf]),
    attached: &BTreeSet<String>,
    input: &pvelint_parse::TreeInput,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<FixOutcome, i32> {
    if args.fix {
        let mountinfo = crate::fixes::read_mountinfo();
        if let Some(why) =
            crate::fixes::live_reason(&layout.pve, &mountinfo).or_else(|| crate::fixes::live_reason(root, &mountinfo))
        {
            let _ = writeln!(
                err,
                "pvelint: --fix refused: {why}; pvelint never writes the live configuration. Fix a copy (`pvelint collect`, a git checkout) and review it with --diff, or print the Proxmox commands with --format commands"
            );
            return Err(EXIT_ERROR);
        }
    }
    let wanted: std::collections::HashSet<&PathBuf> = wanted.iter().collect();
    let only_wanted = !wanted.is_empty() && !args.all_files_in_tree;
    let lint = |tree: &Tree| {
        let mut diags = cfg.apply(tree, crate::lint_tree(tree, &|m| cfg.enabled(m)));
        if only_wanted {
            let keep: Vec<bool> = tree
                .files
                .iter()
                .map(|f| {
                    let p = root.join(&f.path);
                    wanted.contains(&std::fs::canonicalize(&p).unwrap_or(p))
                })
                .collect();
            diags.retain(|d| keep.get(d.span.file.0 as usize).copied().unwrap_or(false));
        }
        diags
    };
    let (fixed, run) = pvelint_rules::fix::fix_input(input, &lint, args.unsafe_fixes, pvelint_rules::fix::MAX_PASSES);
    if run.unfinished {
        let _ = writeln!(
            err,
            "pvelint: the fixes still changed the tree after {} passes; what the last pass left is shown",
            pvelint_rules::fix::MAX_PASSES
        );
    }
    let files = pvelint_parse::text::count(run.changed.len(), "file");
    let fixes = pvelint_parse::text::count_irregular(run.fixed, "fix", "fixes");
    let unsafe_note = if args.unsafe_fixes { "" } else { "; unsafe fixes need --unsafe-fixes" };
    if args.diff {
        let prefix = args
            .path_prefix
            .as_ref()
            .or(cfg.path_prefix.as_ref())
            .map(|p| p.trim_start_matches("./").trim_end_matches('/'));
        let shown: Vec<String> = run
            .changed
            .keys()
            .map(|p| match prefix {
                Some(pre) if !pre.is_empty() && !attached.contains(p) => format!("{pre}/{p}"),
                _ => p.clone(),
            })
            .collect();
        let diffs: Vec<output::diff::FileDiff> = run
            .changed
            .iter()
            .zip(&shown)
            .map(|((p, (old, new)), path)| output::diff::FileDiff {
                path,
                old,
                new,
                notes: run.notes.get(p).map_or(&[], Vec::as_slice),
            })
            .collect();
        if emit(out, &output::diff::diff(&diffs)) != EXIT_CLEAN {
            return Err(EXIT_ERROR);
        }
        let _ = writeln!(err, "pvelint: {fixes} would change {files}; nothing was written{unsafe_note}");
        return Ok(FixOutcome::Done(if run.changed.is_empty() { EXIT_CLEAN } else { EXIT_FINDINGS }));
    }
    // Every file is checked before any is written.
    for (path, (old, _)) in &run.changed {
        if let Err(why) = crate::fixes::target(root, path, old) {
            let _ = writeln!(err, "pvelint: --fix: refusing to write {path}: {why}; nothing was written");
            return Err(EXIT_ERROR);
        }
    }
    for (path, (old, new)) in &run.changed {
        if let Err(why) = crate::fixes::write(root, path, old, new) {
            let _ = writeln!(
                err,
                "pvelint: --fix: cannot write {path}: {why}; the files before it (in path order) were written"
            );
            return Err(EXIT_ERROR);
        }
    }
    let _ = writeln!(err, "pvelint: applied {fixes} to {files}{unsafe_note}");
    Ok(FixOutcome::Fixed(Box::new(fixed)))
}

fn check(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match check_inner(args, out, err) {
        Ok(code) | Err(code) => code,
    }
}

fn check_inner(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, i32> {
    let mut cfg = load_config(args, err)?;
    if args.show_config {
        if args.node.is_some() {
            cfg.node = args.node.clone();
        }
        return Ok(emit(out, &cfg.show()));
    }
    let outputs = parse_outputs(args, err)?;
    let (layout, root, wanted) = locate(args, err)?;
    let (mut input, attached) = read(args, &cfg, &layout, err)?;
    if args.fix || args.diff {
        match fix_tree(args, &cfg, (&layout, &root, &wanted), &attached, &input, out, err)? {
            FixOutcome::Done(code) => return Ok(code),
            FixOutcome::Fixed(fixed) => input = *fixed,
        }
    }
    let (mut tree, diags) = crate::lint(input, |m| cfg.enabled(m));
    let mut usage = config::Usage::default();
    let mut diags = cfg.apply_counting(&tree, diags, &mut usage);
    if !args.unsafe_fixes {
        // Every format shows the fixes this run would apply.
        diags.iter_mut().for_each(strip_unsafe_fix);
    }
    for note in cfg.expired_notes() {
        let _ = writeln!(err, "pvelint: info: {note}");
    }
    if tree.node_is_placeholder() {
        let (guests, volumes) = pvelint_rules::Context::new(&tree).unchecked_on_placeholder();
        let _ = writeln!(
            err,
            "pvelint: note: the local node is unknown: the {} of the top-level guest directories are shown on '{}'; {volumes} of their volumes are on storages that `nodes` restricts and were not checked against the node (G103, J103, J109), nor were the guests' node (C102); name the node with --node NAME or `node:` in pvelint.yaml",
            pvelint_parse::text::count(guests, "guest"),
            pvelint_parse::tree::PLACEHOLDER_NODE
        );
    }
    if !wanted.is_empty() {
        // Sets and a per-file answer: `check FILE…` with n files must not compare every
        // file with every other, nor resolve a path per diagnostic.
        let read: Vec<PathBuf> = tree
            .files
            .iter()
            .map(|f| {
                let p = root.join(&f.path);
                std::fs::canonicalize(&p).unwrap_or(p)
            })
            .collect();
        let read_set: std::collections::HashSet<&PathBuf> = read.iter().collect();
        let wanted_set: std::collections::HashSet<&PathBuf> = wanted.iter().collect();
        let unread: Vec<&PathBuf> = wanted.iter().filter(|w| !read_set.contains(w)).collect();
        if unread.len() == wanted.len() {
            let _ =
                writeln!(err, "pvelint: none of the files given is a Proxmox configuration file that pvelint reads");
            return Err(EXIT_ERROR);
        }
        for u in unread {
            let _ = writeln!(err, "pvelint: note: {} is not a configuration file pvelint reads; ignored", u.display());
        }
        if !args.all_files_in_tree {
            let keep: Vec<bool> = read.iter().map(|p| wanted_set.contains(p)).collect();
            diags.retain(|d| keep.get(d.span.file.0 as usize).copied().unwrap_or(false));
        }
    }
    if let Some(path) = &args.write_baseline {
        if let Some(msg) = refuse_tree_file(path, &tree, &root) {
            let _ = writeln!(err, "pvelint: {msg}");
            return Err(EXIT_ERROR);
        }
        let b = baseline::of(&tree, &diags);
        if let Err(e) = std::fs::write(path, baseline::to_json(&b)) {
            let _ = writeln!(err, "pvelint: cannot write baseline {}: {e}", path.display());
            return Err(EXIT_ERROR);
        }
        let _ = writeln!(err, "pvelint: wrote {} findings to the baseline {}", b.findings.len(), path.display());
        return Ok(EXIT_CLEAN);
    }
    if let Some(path) = &args.baseline {
        let b = baseline::read(path).map_err(|e| {
            let _ = writeln!(err, "pvelint: {e}");
            EXIT_ERROR
        })?;
        let (new, stale) = baseline::filter(&tree, diags, &b);
        diags = new;
        if !stale.is_empty() {
            let _ = writeln!(
                err,
                "pvelint: {} no longer {} any finding (fixed?); rewrite the baseline to drop {}:",
                pvelint_parse::text::count_irregular(stale.len(), "baseline entry", "baseline entries"),
                if stale.len() == 1 { "matches" } else { "match" },
                if stale.len() == 1 { "it" } else { "them" }
            );
            for e in &stale {
                let _ = writeln!(err, "  {} {} {}", e.path, e.code, e.message);
            }
        }
    }
    for (_, path) in &outputs {
        if let Some(msg) = refuse_tree_file(path, &tree, &root) {
            let _ = writeln!(err, "pvelint: {msg}");
            return Err(EXIT_ERROR);
        }
    }
    if let Some(prefix) = args.path_prefix.as_ref().or(cfg.path_prefix.as_ref()) {
        add_path_prefix(&mut tree, prefix, &attached);
    }
    let links = links(args, &cfg, err)?;
    for (format, path) in &outputs {
        let text = output::render(*format, &tree, &diags, FullStyle { color: false, width: 100 }, links);
        if let Err(e) = std::fs::write(path, text) {
            let _ = writeln!(err, "pvelint: cannot write {}: {e}", path.display());
            return Err(EXIT_ERROR);
        }
    }
    let format = default_format(args);
    let mut text = output::render(format, &tree, &diags, style(args), links);
    if args.statistics {
        let stats = format!("{}{}", statistics(&diags), unused_report(&cfg, &usage));
        if matches!(format, Format::Full | Format::Concise) {
            text.push_str(&stats);
        } else {
            let _ = write!(err, "{stats}");
        }
    }
    if emit(out, &text) != EXIT_CLEAN {
        return Err(EXIT_ERROR);
    }
    let mut code = exit_code(args, &diags);
    if nothing_usable(&tree) {
        let _ = writeln!(
            err,
            "pvelint: nothing usable could be read: every configuration file was rejected (see the P015 diagnostics)"
        );
        code = EXIT_ERROR;
    }
    // The process ends right after this: freeing a large model costs about a tenth of
    // the run on big trees (docs/performance.md), so leave that to the OS.
    std::mem::forget(tree);
    std::mem::forget(diags);
    Ok(code)
}

fn what_if(args: &WhatIfArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match what_if_inner(args, out, err) {
        Ok(code) | Err(code) => code,
    }
}

fn what_if_inner(args: &WhatIfArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, i32> {
    let changes = args.changes.parse(err)?;
    if changes.is_empty() {
        let _ = writeln!(
            err,
            "pvelint: what-if needs a change: --move-storage, --remove-node, --move-guest, --remove-storage or --disable-storage"
        );
        return Err(EXIT_ERROR);
    }
    let a = &args.tree;
    // Flags of `check` that have no meaning for a change that has not happened yet: a
    // baseline records or hides findings of the tree as it is, and file arguments report
    // on some files of it. Refused rather than silently ignored.
    let refused = [
        (a.baseline.is_some(), "--baseline"),
        (a.write_baseline.is_some(), "--write-baseline"),
        (a.all_files_in_tree, "--all-files-in-tree"),
        (a.diff, "--diff"),
        (a.fix, "--fix"),
        (a.unsafe_fixes, "--unsafe-fixes"),
        (a.format == Some(Format::Commands), "--format commands"),
    ];
    if let Some((_, flag)) = refused.iter().find(|(set, _)| *set) {
        let _ = writeln!(err, "pvelint: what-if does not take {flag}: it reports what a change would introduce and resolve, not the findings of the tree as it is");
        return Err(EXIT_ERROR);
    }
    if a.paths.len() > 1 || a.paths.first().is_some_and(|p| !p.is_dir()) {
        let _ = writeln!(err, "pvelint: what-if takes one tree directory, not files");
        return Err(EXIT_ERROR);
    }
    let cfg = load_config(a, err)?;
    if a.show_config {
        return Ok(emit(out, &cfg.show()));
    }
    let outputs = parse_outputs(a, err)?;
    let (layout, root, _) = locate(a, err)?;
    let (input, attached) = read(a, &cfg, &layout, err)?;
    let before = pvelint_parse::load(input);
    let enabled = |m: &RuleMeta| cfg.enabled(m);
    let mut outcome = whatif::what_if(&before, &changes, &enabled).map_err(|e| {
        let _ = writeln!(err, "pvelint: what-if: {e}");
        EXIT_ERROR
    })?;
    outcome.introduced = cfg.apply(&outcome.after, std::mem::take(&mut outcome.introduced));
    outcome.resolved = cfg.apply(&outcome.after, std::mem::take(&mut outcome.resolved));
    // A fix edits the files as they are; what-if reports on a tree that does not exist yet.
    outcome.introduced.iter_mut().chain(outcome.resolved.iter_mut()).for_each(|d| d.fix = None);
    for (_, path) in &outputs {
        if let Some(msg) = refuse_tree_file(path, &outcome.after, &root) {
            let _ = writeln!(err, "pvelint: {msg}");
            return Err(EXIT_ERROR);
        }
    }
    let links = links(a, &cfg, err)?;
    if let Some(prefix) = a.path_prefix.as_ref().or(cfg.path_prefix.as_ref()) {
        add_path_prefix(&mut outcome.after, prefix, &attached);
    }
    // --output FORMAT=FILE writes what --format FORMAT prints (machine formats: the
    // findings the change introduces).
    for (format, path) in &outputs {
        let text = output::render_whatif(
            *format,
            &whatif::plan(&changes, &outcome),
            &outcome.after,
            (&outcome.introduced, &outcome.resolved),
            FullStyle { color: false, width: 100 },
            links,
        );
        if let Err(e) = std::fs::write(path, text) {
            let _ = writeln!(err, "pvelint: cannot write {}: {e}", path.display());
            return Err(EXIT_ERROR);
        }
    }
    let format = default_format(a);
    let mut text = output::render_whatif(
        format,
        &whatif::plan(&changes, &outcome),
        &outcome.after,
        (&outcome.introduced, &outcome.resolved),
        style(a),
        links,
    );
    // --statistics: the number of introduced findings per rule.
    if a.statistics {
        if matches!(format, Format::Full | Format::Concise) {
            text.push_str(&statistics(&outcome.introduced));
        } else {
            let _ = write!(err, "{}", statistics(&outcome.introduced));
        }
    }
    if emit(out, &text) != EXIT_CLEAN {
        return Err(EXIT_ERROR);
    }
    Ok(exit_code(a, &outcome.introduced))
}

impl GraphArgs {
    /// The `check` options these stand for (to read and lint the tree the same way).
    fn check_args(&self) -> CheckArgs {
        let mut a = CheckArgs::try_parse_from(["check"]).unwrap_or_else(|_| unreachable!());
        a.paths = self.path.iter().cloned().collect();
        a.src = self.src.clone();
        a.path_prefix = self.path_prefix.clone();
        a.node = self.node.clone();
        a
    }
}

fn graph(args: &GraphArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match graph_inner(args, out, err) {
        Ok(code) | Err(code) => code,
    }
}

/// `pvelint graph`: lints the tree as `check` does (or, with changes, as `what-if`
/// does, and draws the tree after them), builds the graph, attaches the findings,
/// focuses, renders. Exit 0 when the picture was written (findings do not fail it).
fn graph_inner(args: &GraphArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32, i32> {
    let changes = args.changes.parse(err)?;
    let a = args.check_args();
    if a.paths.first().is_some_and(|p| !p.is_dir()) {
        let _ = writeln!(err, "pvelint: graph takes one tree directory, not files");
        return Err(EXIT_ERROR);
    }
    let cfg = load_config(&a, err)?;
    let (layout, root, _) = locate(&a, err)?;
    let (input, attached) = read(&a, &cfg, &layout, err)?;
    let enabled = |m: &RuleMeta| cfg.enabled(m);
    let (mut tree, diags, introduced) = if changes.is_empty() {
        let (tree, diags) = crate::lint(input, enabled);
        let diags = cfg.apply(&tree, diags);
        (tree, diags, None)
    } else {
        let before = pvelint_parse::load(input);
        let outcome = whatif::what_if(&before, &changes, &enabled).map_err(|e| {
            let _ = writeln!(err, "pvelint: what-if: {e}");
            EXIT_ERROR
        })?;
        let all = pvelint_rules::pipeline::lint_scenario(&outcome.after, &outcome.scenario, &enabled);
        let all = cfg.apply(&outcome.after, all);
        let new = cfg.apply(&outcome.after, outcome.introduced);
        let new: BTreeSet<(pvelint_parse::Span, &str, &str)> =
            new.iter().map(|d| (d.span, d.code, d.message.as_str())).collect();
        let mask: Vec<bool> = all.iter().map(|d| new.contains(&(d.span, d.code, d.message.as_str()))).collect();
        (outcome.after, all, Some(mask))
    };
    if let Some(prefix) = a.path_prefix.as_ref().or(cfg.path_prefix.as_ref()) {
        add_path_prefix(&mut tree, prefix, &attached);
    }
    let links = links(&a, &cfg, err)?;
    let ctx = pvelint_rules::Context::new(&tree);
    let mut g = pvelint_rules::graph::build(&ctx);
    g.attach(&diags);
    let title = if changes.is_empty() {
        "pvelint graph".to_string()
    } else {
        let what: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
        format!("pvelint graph: what if {}?", what.join(", and "))
    };
    let (g, title) = if args.focus.is_empty() {
        (g, title)
    } else {
        let start = pvelint_rules::graph::resolve_focus(&g, &args.focus).map_err(|id| {
            let _ = writeln!(
                err,
                "pvelint: --focus: no object '{id}' in the tree (KIND:ID with KIND one of node, storage, guest, job, vzdump-conf, replication, ha-resource, ha-group, ha-rule, pool)"
            );
            EXIT_ERROR
        })?;
        (g.focus(&ctx, &start), format!("{title}, focus {}", args.focus.join(", ")))
    };
    let p = Picture { tree: &tree, graph: &g, diags: &diags, introduced: introduced.as_deref(), links, title };
    let text = output::graph::render(args.format, &p);
    match &args.output {
        Some(path) => {
            if let Some(msg) = refuse_tree_file(path, &tree, &root) {
                let _ = writeln!(err, "pvelint: {msg}");
                return Err(EXIT_ERROR);
            }
            if let Err(e) = std::fs::write(path, text) {
                let _ = writeln!(err, "pvelint: cannot write {}: {e}", path.display());
                return Err(EXIT_ERROR);
            }
        }
        None => {
            if emit(out, &text) != EXIT_CLEAN {
                return Err(EXIT_ERROR);
            }
        }
    }
    Ok(EXIT_CLEAN)
}
