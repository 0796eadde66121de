//! `pvelint-gen [--nodes N] [--guests G] [--storages S] [--jobs J] [--broken-share F] [--seed X] OUT_DIR`
//!
//! Writes `OUT_DIR/pve/` (the `/etc/pve` copy) and `OUT_DIR/vzdump/<node>.conf`. Counts
//! not given scale with `--guests` (see `Params::scaled`).

use pvelint_gen::{generate, Params};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: pvelint-gen [--nodes N] [--guests G] [--storages S] [--jobs J] [--broken-share F] [--seed X] OUT_DIR";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pvelint-gen: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut guests = 1000;
    let mut seed = 1;
    let (mut nodes, mut storages, mut jobs, mut broken) = (None, None, None, None);
    let mut out: Option<PathBuf> = None;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut val = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        let num = |v: String| v.replace('_', "").parse::<usize>().map_err(|e| format!("'{v}': {e}"));
        match a.as_str() {
            "--nodes" => nodes = Some(num(val("--nodes")?)?),
            "--guests" => guests = num(val("--guests")?)?,
            "--storages" => storages = Some(num(val("--storages")?)?),
            "--jobs" => jobs = Some(num(val("--jobs")?)?),
            "--seed" => seed = num(val("--seed")?)? as u64,
            "--broken-share" => {
                let v = val("--broken-share")?;
                let f: f64 = v.parse().map_err(|e| format!("'{v}': {e}"))?;
                if !(0.0..=1.0).contains(&f) {
                    return Err(format!("--broken-share must be between 0 and 1, got {f}"));
                }
                broken = Some(f);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            s if s.starts_with('-') => return Err(format!("unknown option '{s}'")),
            _ if out.is_some() => return Err("only one OUT_DIR".into()),
            _ => out = Some(PathBuf::from(a)),
        }
    }
    let out = out.ok_or("OUT_DIR is missing")?;
    if out.join("pve").exists() {
        return Err(format!("{} already holds a tree; remove it first", out.display()));
    }
    let mut p = Params::scaled(guests, seed);
    if let Some(n) = nodes {
        p.nodes = n.max(1);
    }
    p.storages = storages.unwrap_or(p.storages).max(2);
    p.jobs = jobs.unwrap_or(p.jobs);
    p.broken_share = broken.unwrap_or(p.broken_share);
    let g = generate(&p);
    g.write(&out).map_err(|e| format!("writing {}: {e}", out.display()))?;
    println!("{} files, {} bytes: {:?}", g.file_count(), g.bytes(), p);
    Ok(())
}
