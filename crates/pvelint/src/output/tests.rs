//! Tests of the CI formats (SARIF, GitHub, GitLab) on a small linted tree.
use super::*;
use crate::fingerprint;
use crate::output::github::{gh_escape_data, gh_escape_property, github_level};
use crate::output::gitlab::gitlab_severity;
use crate::output::sarif::{doc_section, sarif_level, uri_path};
use pvelint_parse::{InputFile, TreeInput};

fn lint(files: &[(&str, &str)]) -> (Tree, Vec<Diagnostic>) {
    let input = TreeInput {
        files: files.iter().map(|(p, t)| InputFile::new(*p, t.as_bytes().to_vec())).collect(),
        ..TreeInput::default()
    };
    // Syntax codes only: rule authors keep adding rules, which would change the samples.
    crate::lint(input, |m| m.code.starts_with('P'))
}

fn sample() -> (Tree, Vec<Diagnostic>) {
    // A bad content type (P008) on line 3, at `backupz`.
    lint(&[("storage.cfg", "dir: bk\n\tpath /mnt/bk\n\tcontent backupz\n")])
}

#[test]
fn sarif_result_points_at_the_span() {
    let (tree, diags) = sample();
    assert_eq!(diags[0].code, "P008");
    let v: serde_json::Value = serde_json::from_str(&sarif(&tree, &diags, Links::default())).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let r = &run["results"][0];
    assert_eq!(r["ruleId"], "P008");
    let idx = r["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run["tool"]["driver"]["rules"][idx]["id"], "P008");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "storage.cfg");
    let p = position(&tree, diags[0].span);
    assert_eq!(loc["region"]["startLine"], p.line as u64);
    assert_eq!(loc["region"]["startColumn"], p.column as u64);
    assert_eq!(loc["region"]["endColumn"], p.end_column as u64);
    assert_eq!(p.line, 3);
    assert_eq!(loc["region"]["snippet"]["text"], "backupz");
    assert_eq!(loc["contextRegion"]["startLine"], 3);
    assert_eq!(loc["contextRegion"]["snippet"]["text"], "\tcontent backupz");
    assert_eq!(r["partialFingerprints"][FINGERPRINT_KEY], fingerprint::fingerprint(&tree, &diags[0]));
    assert_eq!(r["level"], sarif_level(diags[0].severity));
}

#[test]
fn sarif_lists_every_code_with_its_document() {
    let (tree, diags) = sample();
    let v: serde_json::Value = serde_json::from_str(&sarif(&tree, &diags, Links::default())).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let metas = pvelint_rules::registry::all_meta();
    assert_eq!(rules.len(), metas.len());
    for (r, m) in rules.iter().zip(&metas) {
        assert_eq!(r["id"], m.code);
        assert_eq!(r["name"], m.name);
        assert_eq!(r["shortDescription"]["text"], m.summary);
        assert_eq!(r["help"]["markdown"], m.doc());
        let pinned =
            format!("https://github.com/pvelint/pvelint/blob/v{}/rules/{}.md", env!("CARGO_PKG_VERSION"), m.code);
        assert_eq!(r["helpUri"], pinned);
        assert!(!r["fullDescription"]["text"].as_str().unwrap().is_empty());
    }
}

#[test]
fn sarif_is_deterministic() {
    let (tree, diags) = sample();
    assert_eq!(sarif(&tree, &diags, Links::default()), sarif(&tree, &diags, Links::default()));
}

#[test]
fn labels_become_related_locations() {
    // A guest on a storage storage.cfg does not define: no label; build one by hand.
    let (tree, mut diags) = sample();
    let span = diags[0].span;
    diags[0].labels.push(pvelint_parse::diag::Label { span, message: "defined here".into() });
    let v: serde_json::Value = serde_json::from_str(&sarif(&tree, &diags, Links::default())).unwrap();
    let rel = &v["runs"][0]["results"][0]["relatedLocations"][0];
    assert_eq!(rel["id"], 1);
    assert_eq!(rel["message"]["text"], "defined here");
    assert_eq!(rel["physicalLocation"]["region"]["startLine"], 3);
}

#[test]
fn uris_are_percent_encoded() {
    assert_eq!(uri_path("pve/nodes/a b/lxc/1.conf"), "pve/nodes/a%20b/lxc/1.conf");
    assert_eq!(uri_path("ä#%"), "%C3%A4%23%25");
    assert_eq!(uri_path("etc/pve/storage.cfg"), "etc/pve/storage.cfg");
}

#[test]
fn doc_sections_are_found() {
    let doc = "# X1 x\n\n## What it finds\nA thing.\nMore.\n\n## Why it matters\nBecause.\n";
    assert_eq!(doc_section(doc, "What it finds"), Some("A thing.\nMore."));
    assert_eq!(doc_section(doc, "Why it matters"), Some("Because."));
    assert_eq!(doc_section(doc, "Example"), None);
}

#[test]
fn github_commands_escape_data_and_properties() {
    assert_eq!(gh_escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
    assert_eq!(gh_escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    let (tree, diags) = lint(&[("nodes/a,b:c/lxc/100.conf", "arch: amd64\nrootfs local:100/x.raw\n")]);
    let out = github(&tree, &diags, Links::default());
    assert!(!diags.is_empty());
    for line in out.lines() {
        assert!(line.starts_with("::"), "{line}");
        let (props, _) = line[2..].split_once("::").unwrap();
        assert!(props.contains("file=nodes/a%2Cb%3Ac/lxc/100.conf,"), "{props}");
    }
    assert_eq!(out.lines().count(), diags.len());
}

#[test]
fn github_command_shape() {
    let (tree, diags) = sample();
    let p = position(&tree, diags[0].span);
    let out = github(&tree, &diags, Links::default());
    let first = out.lines().next().unwrap();
    let expected = format!(
        "::{} file=storage.cfg,line=3,col={},endLine=3,endColumn={},title=P008 {}::",
        github_level(diags[0].severity),
        p.column,
        p.end_column,
        diags[0].name
    );
    assert!(first.starts_with(&expected), "{first}\n{expected}");
    assert!(!first.contains('\n'));
    assert_eq!(github_level(Severity::Info), "notice");
}

#[test]
fn gitlab_issues() {
    let (tree, diags) = sample();
    let v: serde_json::Value = serde_json::from_str(&gitlab(&tree, &diags, Links::default())).unwrap();
    let issues = v.as_array().unwrap();
    assert_eq!(issues.len(), diags.len());
    let i = &issues[0];
    assert_eq!(i["check_name"], "P008");
    assert_eq!(i["location"]["path"], "storage.cfg");
    assert_eq!(i["location"]["lines"]["begin"], 3);
    assert_eq!(i["severity"], gitlab_severity(diags[0].severity));
    assert_eq!(i["fingerprint"], fingerprint::fingerprint(&tree, &diags[0]));
    assert!(i["description"].as_str().unwrap().starts_with("P008 "));
    assert_eq!(gitlab_severity(Severity::Error), "critical");
    assert_eq!(gitlab_severity(Severity::Warning), "major");
    assert_eq!(gitlab_severity(Severity::Info), "info");
    // An empty report is an empty array.
    assert_eq!(gitlab(&tree, &[], Links::default()).trim(), "[]");
}

#[test]
fn gitlab_fingerprints_are_unique() {
    // The same bad line twice in one file: two findings, two fingerprints.
    let (tree, diags) =
        lint(&[("storage.cfg", "dir: a\n\tpath /a\n\tcontent backupz\n\ndir: a\n\tpath /a\n\tcontent backupz\n")]);
    let v: serde_json::Value = serde_json::from_str(&gitlab(&tree, &diags, Links::default())).unwrap();
    let fps: std::collections::BTreeSet<&str> =
        v.as_array().unwrap().iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
    assert_eq!(fps.len(), diags.len());
}

#[test]
fn every_format_but_concise_links_the_rule_document() {
    let (tree, diags) = sample();
    let links = Links { doc_base: Some("https://git.example.org/pvelint/rules/") };
    let url = "https://git.example.org/pvelint/rules/P008.md";
    let json: serde_json::Value = serde_json::from_str(&json::json(&tree, &diags, links)).unwrap();
    assert_eq!(json["diagnostics"][0]["url"], url);
    let sarif: serde_json::Value = serde_json::from_str(&sarif(&tree, &diags, links)).unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["helpUri"] == url));
    assert!(github(&tree, &diags, links).contains(&format!("%0Asee {url}")));
    assert!(gitlab(&tree, &diags, links).contains(url));
    let coloured = full::full(&tree, &diags, FullStyle { color: true, width: 80 }, links);
    assert!(coloured.contains(url), "a terminal hyperlink to the document");
    assert!(!full::full(&tree, &diags, FullStyle { color: false, width: 80 }, links).contains(url));
    assert!(!concise::concise(&tree, &diags).contains(url));
}
