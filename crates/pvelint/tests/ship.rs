//! What ships beside the binary: the GitHub Action, the GitLab CI template, the container
//! recipe, the Debian package metadata and `--version`. The package and the static binary
//! themselves are built and checked by `scripts/build-deb.sh`, `scripts/check-deb.sh` and
//! `scripts/build-static.sh`, which `.ci/run` runs.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(workspace().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Action {
    name: String,
    description: String,
    inputs: BTreeMap<String, Input>,
    outputs: BTreeMap<String, Output>,
    runs: Runs,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Input {
    description: String,
    required: Option<bool>,
    default: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Output {
    description: String,
    value: String,
}

#[derive(Deserialize)]
struct Runs {
    using: String,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Step {
    name: String,
    id: Option<String>,
    shell: Option<String>,
    run: Option<String>,
    uses: Option<String>,
    #[serde(rename = "if")]
    condition: Option<String>,
    env: Option<BTreeMap<String, String>>,
    with: Option<BTreeMap<String, String>>,
}

#[test]
fn action_parses_and_every_input_is_described_used_and_documented() {
    let action: Action = serde_saphyr::from_str(&read("action.yml")).expect("action.yml parses");
    assert_eq!(action.runs.using, "composite");
    let guide = read("docs/user-guide.md");
    let steps = &action.runs.steps;
    for (name, input) in &action.inputs {
        assert!(!input.description.trim().is_empty(), "input {name} has no description");
        let used = format!("inputs.{name}");
        assert!(
            steps.iter().any(|s| {
                s.env.iter().flatten().any(|(_, v)| v.contains(&used))
                    || s.with.iter().flatten().any(|(_, v)| v.contains(&used))
                    || s.condition.as_deref().is_some_and(|c| c.contains(&used))
            }),
            "input {name} is never used"
        );
        assert!(guide.contains(&format!("| `{name}` |")), "input {name} is not in the user guide's table");
    }
    // Inputs reach the scripts through the environment, never spliced into the script.
    for s in steps {
        if let Some(run) = &s.run {
            assert!(!run.contains("${{"), "step '{}' splices an expression into its script", s.name);
            assert_eq!(s.shell.as_deref(), Some("bash"), "step '{}'", s.name);
        }
    }
    assert!(steps
        .iter()
        .any(|s| s.uses.as_deref().is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))));
    assert!(steps.iter().any(|s| s.run.as_deref().is_some_and(|r| r.contains("pvelint check"))));
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct GitlabJob {
    stage: String,
    image: String,
    variables: BTreeMap<String, String>,
    script: Vec<String>,
    artifacts: Artifacts,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Artifacts {
    when: String,
    reports: BTreeMap<String, String>,
    paths: Vec<String>,
}

#[test]
fn gitlab_template_parses_and_writes_a_code_quality_report() {
    let text = read("ci/pvelint.gitlab-ci.yml");
    let jobs: BTreeMap<String, GitlabJob> = serde_saphyr::from_str(&text).expect("the template parses");
    let job = &jobs["pvelint"];
    assert_eq!(job.artifacts.reports.get("codequality").map(String::as_str), Some("$PVELINT_REPORT"));
    assert_eq!(job.artifacts.when, "always", "the report is kept when pvelint exits 1");
    assert!(job
        .script
        .iter()
        .any(|l| l.contains("pvelint check") && l.contains("--output \"gitlab=$PVELINT_REPORT\"")));
    let guide = read("docs/user-guide.md");
    for var in job.variables.keys() {
        assert!(text.contains(&format!("#   {var}")), "{var} is not described in the template's header");
        assert!(guide.contains(&format!("`{var}`")), "{var} is not in the user guide");
    }
}

#[test]
fn container_recipe_is_static_small_and_unprivileged() {
    let text = read("Dockerfile");
    let stages: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(stages.last().copied(), Some("FROM scratch"), "the final image holds only the binary");
    assert!(text.contains("+crt-static"));
    let user = text.lines().rev().find_map(|l| l.strip_prefix("USER ")).expect("a USER line");
    assert!(!user.starts_with('0') && !user.starts_with("root"), "runs as root: {user}");
    assert!(text.lines().any(|l| l == "WORKDIR /repo"));
    assert!(read("docs/user-guide.md").contains("docker run --rm -v \"$PWD:/repo:ro\""));
}

#[test]
fn debian_metadata_names_every_asset_the_check_expects() {
    let manifest = read("crates/pvelint/Cargo.toml");
    let check = read("scripts/check-deb.sh");
    for dest in [
        "usr/share/man/man1/",
        "usr/share/bash-completion/completions/pvelint",
        "usr/share/zsh/vendor-completions/",
        "usr/share/fish/vendor_completions.d/",
        "usr/share/doc/pvelint/rules/",
    ] {
        assert!(manifest.contains(dest), "Cargo.toml installs nothing to {dest}");
        assert!(check.contains(dest), "check-deb.sh does not check {dest}");
    }
}

#[test]
fn version_names_the_commit() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pvelint")).arg("--version").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let rest = text.trim().strip_prefix(&format!("pvelint {} (commit ", env!("CARGO_PKG_VERSION"))).expect(&text);
    let commit = rest.strip_suffix(')').expect(&text);
    let hex = commit.strip_suffix("-dirty").unwrap_or(commit);
    assert!(hex == "unknown" || (hex.len() == 12 && hex.bytes().all(|b| b.is_ascii_hexdigit())), "{text}");
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Hook {
    id: String,
    files: String,
}

#[test]
fn pre_commit_hooks_select_every_file_pvelint_reads() {
    let hooks: Vec<Hook> = serde_saphyr::from_str(&read(".pre-commit-hooks.yaml")).expect("hooks parse");
    assert_eq!(hooks.len(), 2);
    for h in &hooks {
        let re = regex::Regex::new(&h.files).unwrap();
        for path in [
            "storage.cfg",
            "pve/jobs.cfg",
            "etc/vzdump.conf",
            "pve/nodes/pve1/lxc/100.conf",
            "nodes/pve1/qemu-server/101.conf",
            "lxc/100.conf",
            "local/qemu-server/101.conf",
            "pve/ha/rules.cfg",
            "pve/notifications.cfg",
            "pve/ceph.conf",
            "pve/virtual-guest/cpu-models.conf",
            "corosync.conf",
            "datacenter.cfg",
            "replication.cfg",
            "user.cfg",
            "vzdump.cron",
            "mapping/pci.cfg",
            "pve/mapping/directory.cfg",
            "sdn/vnets.cfg",
            "pve/sdn/.running-config",
            "firewall/cluster.fw",
            "pve/firewall/100.fw",
            "nodes/pve1/host.fw",
            "hosts/pve1/facts.json",
            "hosts/pve1/vzdump.conf",
        ] {
            assert!(re.is_match(path), "hook {} skips {path}", h.id);
        }
        for path in [
            "README.md",
            "nodes/pve1/lxc/100.conf.bak",
            "facts.json",
            "pve/lxc/abc.conf",
            "mapping/other.cfg",
            "sdn/fabrics.cfg.bak",
        ] {
            assert!(!re.is_match(path), "hook {} takes {path}", h.id);
        }
    }
}
