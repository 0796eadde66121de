//! Shell completions and man pages, generated from the clap definition of the command
//! line so they never drift from it.

use clap_complete::Shell;
use std::str::FromStr;

/// The shells [`completions`] knows.
pub const SHELLS: &[&str] = &["bash", "zsh", "fish", "elvish", "powershell"];

/// The completion script of `cmd` for `shell` (`bash`, `zsh`, `fish`, `elvish` or
/// `powershell`, case-insensitive). The script completes the command's name
/// (`cmd.get_name()`). An unknown shell is an error naming the known ones.
pub fn completions(cmd: &mut clap::Command, shell: &str) -> Result<String, String> {
    let sh = Shell::from_str(&shell.to_ascii_lowercase())
        .map_err(|_| format!("unknown shell '{shell}'; pvelint completes {}", SHELLS.join(", ")))?;
    let name = cmd.get_name().to_string();
    let mut buf = Vec::new();
    clap_complete::generate(sh, cmd, name, &mut buf);
    String::from_utf8(buf).map_err(|e| format!("the {sh} completion script is not UTF-8: {e}"))
}

fn render(cmd: clap::Command) -> String {
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = clap_mangen::Man::new(cmd).render(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// The roff man page (section 1) of `cmd`: name, synopsis, description, options,
/// subcommands, version.
pub fn man_page(cmd: &clap::Command) -> String {
    let mut cmd = cmd.clone();
    cmd.build();
    render(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction, Command};

    fn cmd() -> Command {
        Command::new("pvelint")
            .version("1.2.3")
            .about("Static linter for Proxmox VE cluster configuration trees")
            .subcommand(
                Command::new("check")
                    .about("Check a tree")
                    .arg(Arg::new("path").help("The tree"))
                    .arg(
                        Arg::new("format")
                            .long("format")
                            .value_parser(["full", "concise", "json"])
                            .help("Output format"),
                    )
                    .arg(Arg::new("exit-zero").long("exit-zero").action(ArgAction::SetTrue).help("Always exit 0")),
            )
            .subcommand(Command::new("rule").about("Show the document of a rule").arg(Arg::new("code")))
    }

    #[test]
    fn bash_completes_subcommands_and_flags() {
        let s = completions(&mut cmd(), "bash").unwrap();
        assert!(s.contains("_pvelint()"), "{s}");
        assert!(s.contains("check"));
        assert!(s.contains("--format"));
        assert!(s.contains("--exit-zero"));
        assert!(s.contains("concise"), "value choices are completed");
    }

    #[test]
    fn zsh_and_fish() {
        let z = completions(&mut cmd(), "zsh").unwrap();
        assert!(z.starts_with("#compdef pvelint"), "{z}");
        assert!(z.contains("--exit-zero"));
        let f = completions(&mut cmd(), "FISH").unwrap();
        assert!(f.contains("complete -c pvelint"), "{f}");
        assert!(f.contains("exit-zero"));
    }

    #[test]
    fn every_listed_shell_works() {
        for sh in SHELLS {
            let s = completions(&mut cmd(), sh).unwrap();
            assert!(s.contains("pvelint"), "{sh}");
        }
    }

    #[test]
    fn unknown_shell_is_an_error() {
        let e = completions(&mut cmd(), "tcsh").unwrap_err();
        assert!(e.contains("tcsh") && e.contains("bash, zsh, fish"), "{e}");
    }

    #[test]
    fn man_page_has_the_sections() {
        let m = man_page(&cmd());
        assert!(m.contains(".TH pvelint 1"), "{m}");
        assert!(m.contains(".SH NAME"));
        assert!(m.contains(".SH SYNOPSIS"));
        assert!(m.contains("Static linter for Proxmox VE"));
        assert!(m.contains(".SH SUBCOMMANDS"));
        assert!(m.contains("pvelint\\-check"), "{m}");
        assert!(m.contains("1.2.3"));
    }
}
