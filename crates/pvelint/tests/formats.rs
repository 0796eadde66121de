//! The CI formats (SARIF, GitHub workflow commands, GitLab Code Quality) on the incident
//! tree: snapshots, and the SARIF checked against the structure of the 2.1.0 schema
//! (required properties, allowed properties, enums, minima, cross-references).

use pvelint::output as formats;
use pvelint_parse::{Diagnostic, Tree};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn incident() -> (Tree, Vec<Diagnostic>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/incident");
    let layout = pvelint::discover::find_layout(&root).expect("the incident tree is a tree");
    let (input, _notes) = pvelint::discover::read_tree(&layout);
    let (tree, diags) = pvelint::lint(input, |_| true);
    assert!(!diags.is_empty());
    (tree, diags)
}

// ---------------------------------------------------------------------------------------
// SARIF 2.1.0 structure. Every object of the schema has `additionalProperties: false`
// (except property bags), so the allowed property names matter as much as the required
// ones. Only the object types pvelint writes are described; meeting another one fails.

struct Kind {
    allowed: &'static [&'static str],
    required: &'static [&'static str],
}

const LOG: Kind = Kind {
    allowed: &["$schema", "version", "runs", "inlineExternalProperties", "properties"],
    required: &["version", "runs"],
};
const RUN: Kind = Kind {
    allowed: &[
        "tool",
        "invocations",
        "conversion",
        "language",
        "versionControlProvenance",
        "originalUriBaseIds",
        "artifacts",
        "logicalLocations",
        "graphs",
        "results",
        "automationDetails",
        "runAggregates",
        "baselineGuid",
        "redactionTokens",
        "defaultEncoding",
        "defaultSourceLanguage",
        "newlineSequences",
        "columnKind",
        "externalPropertyFileReferences",
        "threadFlowLocations",
        "taxonomies",
        "addresses",
        "translations",
        "policies",
        "webRequests",
        "webResponses",
        "specialLocations",
        "properties",
    ],
    required: &["tool"],
};
const TOOL: Kind = Kind { allowed: &["driver", "extensions", "properties"], required: &["driver"] };
const TOOL_COMPONENT: Kind = Kind {
    allowed: &[
        "guid",
        "name",
        "organization",
        "product",
        "productSuite",
        "shortDescription",
        "fullDescription",
        "fullName",
        "version",
        "semanticVersion",
        "dottedQuadFileVersion",
        "releaseDateUtc",
        "downloadUri",
        "informationUri",
        "globalMessageStrings",
        "notifications",
        "rules",
        "taxa",
        "locations",
        "language",
        "contents",
        "isComprehensive",
        "localizedDataSemanticVersion",
        "minimumRequiredLocalizedDataSemanticVersion",
        "associatedComponent",
        "translationMetadata",
        "supportedTaxonomies",
        "properties",
    ],
    required: &["name"],
};
const REPORTING_DESCRIPTOR: Kind = Kind {
    allowed: &[
        "id",
        "deprecatedIds",
        "guid",
        "deprecatedGuids",
        "name",
        "deprecatedNames",
        "shortDescription",
        "fullDescription",
        "messageStrings",
        "defaultConfiguration",
        "helpUri",
        "help",
        "relationships",
        "properties",
    ],
    required: &["id"],
};
const REPORTING_CONFIGURATION: Kind =
    Kind { allowed: &["enabled", "level", "rank", "parameters", "properties"], required: &[] };
const MULTIFORMAT_MESSAGE: Kind = Kind { allowed: &["text", "markdown", "properties"], required: &["text"] };
const MESSAGE: Kind = Kind { allowed: &["text", "markdown", "id", "arguments", "properties"], required: &[] };
const RESULT: Kind = Kind {
    allowed: &[
        "ruleId",
        "ruleIndex",
        "rule",
        "kind",
        "level",
        "message",
        "analysisTarget",
        "locations",
        "guid",
        "correlationGuid",
        "occurrenceCount",
        "partialFingerprints",
        "fingerprints",
        "stacks",
        "codeFlows",
        "graphs",
        "graphTraversals",
        "relatedLocations",
        "suppressions",
        "baselineState",
        "rank",
        "attachments",
        "hostedViewerUri",
        "workItemUris",
        "provenance",
        "fixes",
        "taxa",
        "webRequest",
        "webResponse",
        "properties",
    ],
    required: &["message"],
};
const LOCATION: Kind = Kind {
    allowed: &["id", "physicalLocation", "logicalLocations", "message", "annotations", "relationships", "properties"],
    required: &[],
};
const PHYSICAL_LOCATION: Kind =
    Kind { allowed: &["address", "artifactLocation", "region", "contextRegion", "properties"], required: &[] };
const ARTIFACT_LOCATION: Kind =
    Kind { allowed: &["uri", "uriBaseId", "index", "description", "properties"], required: &[] };
const REGION: Kind = Kind {
    allowed: &[
        "startLine",
        "startColumn",
        "endLine",
        "endColumn",
        "charOffset",
        "charLength",
        "byteOffset",
        "byteLength",
        "snippet",
        "message",
        "sourceLanguage",
        "properties",
    ],
    required: &[],
};

const ARTIFACT_CONTENT: Kind = Kind { allowed: &["text", "binary", "rendered", "properties"], required: &[] };

const FIX: Kind = Kind { allowed: &["description", "artifactChanges", "properties"], required: &["artifactChanges"] };
const ARTIFACT_CHANGE: Kind = Kind {
    allowed: &["artifactLocation", "replacements", "properties"],
    required: &["artifactLocation", "replacements"],
};
const REPLACEMENT: Kind =
    Kind { allowed: &["deletedRegion", "insertedContent", "properties"], required: &["deletedRegion"] };

const LEVELS: &[&str] = &["none", "note", "warning", "error"];

/// A result's `fixes`: each with at least one artifact change, each change with at least
/// one replacement whose deleted region has lines (1-based) or a byte offset (0-based).
fn check_fixes(v: &Value, at: &str) {
    for (i, f) in array(v, at).iter().enumerate() {
        let at = format!("{at}[{i}]");
        let f = object(f, &FIX, &at);
        if let Some(d) = f.get("description") {
            check_message(d, &format!("{at}.description"));
        }
        let changes = array(&f["artifactChanges"], &at);
        assert!(!changes.is_empty(), "{at}: artifactChanges needs an item");
        for (j, c) in changes.iter().enumerate() {
            let at = format!("{at}.artifactChanges[{j}]");
            let c = object(c, &ARTIFACT_CHANGE, &at);
            let al = object(&c["artifactLocation"], &ARTIFACT_LOCATION, &at);
            check_uri_reference(string(&al["uri"], &at), &at);
            for (k, r) in array(&c["replacements"], &at).iter().enumerate() {
                let at = format!("{at}.replacements[{k}]");
                let r = object(r, &REPLACEMENT, &at);
                let d = object(&r["deletedRegion"], &REGION, &format!("{at}.deletedRegion"));
                int_at_least(&d["startLine"], 1, &at);
                int_at_least(&d["byteOffset"], 0, &at);
                int_at_least(&d["byteLength"], 0, &at);
                if let Some(ic) = r.get("insertedContent") {
                    object(ic, &ARTIFACT_CONTENT, &format!("{at}.insertedContent"));
                }
            }
        }
    }
}

fn object<'a>(v: &'a Value, kind: &Kind, at: &str) -> &'a serde_json::Map<String, Value> {
    let o = v.as_object().unwrap_or_else(|| panic!("{at}: not an object: {v}"));
    for k in o.keys() {
        assert!(kind.allowed.contains(&k.as_str()), "{at}: property '{k}' is not in the schema");
    }
    for r in kind.required {
        assert!(o.contains_key(*r), "{at}: required property '{r}' is missing");
    }
    o
}

fn array<'a>(v: &'a Value, at: &str) -> &'a Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("{at}: not an array: {v}"))
}

fn string<'a>(v: &'a Value, at: &str) -> &'a str {
    v.as_str().unwrap_or_else(|| panic!("{at}: not a string: {v}"))
}

fn int_at_least(v: &Value, min: i64, at: &str) -> i64 {
    let n = v.as_i64().unwrap_or_else(|| panic!("{at}: not an integer: {v}"));
    assert!(n >= min, "{at}: {n} is below the minimum {min}");
    n
}

/// A URI (absolute): a scheme, `:`, no whitespace.
fn check_uri(s: &str, at: &str) {
    let (scheme, rest) = s.split_once(':').unwrap_or_else(|| panic!("{at}: '{s}' has no scheme"));
    assert!(
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)),
        "{at}: bad scheme in '{s}'"
    );
    check_uri_reference(rest, at);
}

/// A URI reference (RFC 3986 characters only, `%` only as an escape).
fn check_uri_reference(s: &str, at: &str) {
    let b = s.as_bytes();
    for (i, c) in b.iter().enumerate() {
        let ok = c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(c);
        if *c == b'%' {
            assert!(
                b.get(i + 1).is_some_and(u8::is_ascii_hexdigit) && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit),
                "{at}: bad escape in '{s}'"
            );
        } else {
            assert!(ok, "{at}: '{}' is not allowed in a URI: '{s}'", char::from(*c));
        }
    }
}

fn check_multiformat(v: &Value, at: &str) {
    let o = object(v, &MULTIFORMAT_MESSAGE, at);
    string(&o["text"], &format!("{at}.text"));
    if let Some(m) = o.get("markdown") {
        string(m, &format!("{at}.markdown"));
    }
}

fn check_message(v: &Value, at: &str) {
    let o = object(v, &MESSAGE, at);
    assert!(o.contains_key("text") || o.contains_key("id"), "{at}: a message needs text or id");
    if let Some(t) = o.get("text") {
        assert!(!string(t, at).is_empty(), "{at}: empty message");
    }
}

fn check_property_bag(v: &Value, at: &str) {
    let o = v.as_object().unwrap_or_else(|| panic!("{at}: not an object"));
    if let Some(tags) = o.get("tags") {
        let tags: Vec<&str> = array(tags, at).iter().map(|t| string(t, at)).collect();
        let unique: BTreeSet<&str> = tags.iter().copied().collect();
        assert_eq!(unique.len(), tags.len(), "{at}.tags: items must be unique");
    }
}

fn check_location(v: &Value, at: &str) {
    let o = object(v, &LOCATION, at);
    if let Some(id) = o.get("id") {
        int_at_least(id, -1, &format!("{at}.id"));
    }
    if let Some(m) = o.get("message") {
        check_message(m, &format!("{at}.message"));
    }
    let pl = o.get("physicalLocation").unwrap_or_else(|| panic!("{at}: pvelint always writes a physicalLocation"));
    let at = format!("{at}.physicalLocation");
    let pl = object(pl, &PHYSICAL_LOCATION, &at);
    assert!(
        pl.contains_key("artifactLocation") || pl.contains_key("address"),
        "{at}: needs artifactLocation or address"
    );
    let al = object(&pl["artifactLocation"], &ARTIFACT_LOCATION, &format!("{at}.artifactLocation"));
    let uri = string(&al["uri"], &format!("{at}.artifactLocation.uri"));
    check_uri_reference(uri, &format!("{at}.artifactLocation.uri"));
    assert!(!uri.starts_with('/'), "{at}: paths are relative: {uri}");
    let r = object(&pl["region"], &REGION, &format!("{at}.region"));
    let n = |k: &str| int_at_least(&r[k], 1, &format!("{at}.region.{k}"));
    let (sl, sc, el, ec) = (n("startLine"), n("startColumn"), n("endLine"), n("endColumn"));
    assert!((el, ec) >= (sl, sc), "{at}: the region ends before it starts");
    let snippet = object(&r["snippet"], &ARTIFACT_CONTENT, &format!("{at}.region.snippet"));
    let exact = string(&snippet["text"], &format!("{at}.region.snippet.text"));
    if let Some(ctx) = pl.get("contextRegion") {
        let at = format!("{at}.contextRegion");
        let c = object(ctx, &REGION, &at);
        let (cl, ce) = (int_at_least(&c["startLine"], 1, &at), int_at_least(&c["endLine"], 1, &at));
        assert!(cl <= sl && ce >= el, "{at}: the context region must contain the region");
        let lines = string(&object(&c["snippet"], &ARTIFACT_CONTENT, &at)["text"], &at);
        assert!(lines.contains(exact), "{at}: the context snippet must contain the snippet");
    }
}

/// Checks a SARIF log against the structure of the 2.1.0 schema and the references SARIF
/// defines between its parts. Returns the number of results.
fn check_sarif(v: &Value) -> usize {
    let log = object(v, &LOG, "sarifLog");
    assert_eq!(log["version"], "2.1.0");
    check_uri(string(&log["$schema"], "$schema"), "$schema");
    let runs = array(&log["runs"], "runs");
    assert_eq!(runs.len(), 1, "one run");
    let run = object(&runs[0], &RUN, "runs[0]");
    if let Some(ck) = run.get("columnKind") {
        assert!(["utf16CodeUnits", "unicodeCodePoints"].contains(&string(ck, "columnKind")));
    }
    let tool = object(&run["tool"], &TOOL, "tool");
    let driver = object(&tool["driver"], &TOOL_COMPONENT, "driver");
    assert_eq!(driver["name"], "pvelint");
    check_uri(string(&driver["informationUri"], "informationUri"), "informationUri");
    assert!(!string(&driver["version"], "version").is_empty());
    let rules = array(&driver["rules"], "rules");
    let mut ids = BTreeSet::new();
    for (i, r) in rules.iter().enumerate() {
        let at = format!("rules[{i}]");
        let o = object(r, &REPORTING_DESCRIPTOR, &at);
        let id = string(&o["id"], &at);
        assert!(ids.insert(id), "{at}: duplicate rule id {id}");
        // GitHub code scanning shows these; pvelint always provides them.
        for k in ["name", "shortDescription", "fullDescription", "help", "helpUri", "defaultConfiguration"] {
            assert!(o.contains_key(k), "{at}: pvelint writes {k}");
        }
        check_multiformat(&o["shortDescription"], &format!("{at}.shortDescription"));
        check_multiformat(&o["fullDescription"], &format!("{at}.fullDescription"));
        check_multiformat(&o["help"], &format!("{at}.help"));
        check_uri(string(&o["helpUri"], &at), &format!("{at}.helpUri"));
        let dc = object(&o["defaultConfiguration"], &REPORTING_CONFIGURATION, &format!("{at}.defaultConfiguration"));
        assert!(LEVELS.contains(&string(&dc["level"], &at)), "{at}: bad level");
        if let Some(p) = o.get("properties") {
            check_property_bag(p, &format!("{at}.properties"));
        }
    }
    let results = array(&run["results"], "results");
    for (i, r) in results.iter().enumerate() {
        let at = format!("results[{i}]");
        let o = object(r, &RESULT, &at);
        check_message(&o["message"], &format!("{at}.message"));
        assert!(LEVELS.contains(&string(&o["level"], &at)), "{at}: bad level");
        let rule_id = string(&o["ruleId"], &at);
        let idx = int_at_least(&o["ruleIndex"], -1, &format!("{at}.ruleIndex"));
        assert!(idx >= 0, "{at}: every pvelint code is in the registry");
        assert_eq!(rules[idx as usize]["id"], rule_id, "{at}: ruleIndex points at another rule");
        let locs = array(&o["locations"], &at);
        assert_eq!(locs.len(), 1, "{at}: one location");
        check_location(&locs[0], &format!("{at}.locations[0]"));
        if let Some(rel) = o.get("relatedLocations") {
            let rel = array(rel, &at);
            let unique: BTreeSet<String> = rel.iter().map(Value::to_string).collect();
            assert_eq!(unique.len(), rel.len(), "{at}.relatedLocations: items must be unique");
            for (j, l) in rel.iter().enumerate() {
                check_location(l, &format!("{at}.relatedLocations[{j}]"));
            }
        }
        let pf = o["partialFingerprints"].as_object().unwrap_or_else(|| panic!("{at}: partialFingerprints"));
        assert!(!string(&pf[formats::FINGERPRINT_KEY], &at).is_empty());
        for (k, v) in pf {
            string(v, &format!("{at}.partialFingerprints.{k}"));
        }
        if let Some(p) = o.get("properties") {
            check_property_bag(p, &format!("{at}.properties"));
        }
        if let Some(f) = o.get("fixes") {
            check_fixes(f, &format!("{at}.fixes"));
        }
    }
    results.len()
}

#[test]
fn sarif_matches_the_2_1_0_schema() {
    let (tree, diags) = incident();
    let v: Value = serde_json::from_str(&formats::sarif(&tree, &diags, Default::default())).expect("SARIF is JSON");
    assert_eq!(check_sarif(&v), diags.len());
    // Every code of the registry is described, in registry order.
    let ids: Vec<&str> =
        v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let codes: Vec<&str> = pvelint_rules::registry::all_meta().iter().map(|m| m.code).collect();
    assert_eq!(ids, codes);
    // Fingerprints are unique within the run (GitHub keys alerts by them).
    let fps: BTreeSet<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partialFingerprints"][formats::FINGERPRINT_KEY].as_str().unwrap())
        .collect();
    assert_eq!(fps.len(), diags.len());
    // The incident's fix (J108) is carried as SARIF `fixes`.
    let with_fix = v["runs"][0]["results"].as_array().unwrap().iter().filter(|r| r.get("fixes").is_some()).count();
    assert_eq!(with_fix, diags.iter().filter(|d| d.fix.is_some()).count());
    assert!(with_fix > 0);
}

#[test]
fn the_checker_rejects_broken_sarif() {
    let (tree, diags) = incident();
    let good: Value = serde_json::from_str(&formats::sarif(&tree, &diags, Default::default())).unwrap();
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        std::panic::catch_unwind(|| check_sarif(&v)).is_err()
    };
    assert!(broken(&|v| v["version"] = "2.0.0".into()));
    assert!(broken(&|v| v["runs"][0]["results"][0]["level"] = "info".into()));
    assert!(broken(&|v| v["runs"][0]["results"][0]["ruleIndex"] = 0.into()));
    assert!(broken(
        &|v| v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into()
    ));
    assert!(broken(&|v| v["runs"][0]["results"][0]["severity"] = "error".into()));
    assert!(broken(&|v| {
        v["runs"][0]["results"][0].as_object_mut().unwrap().remove("message");
    }));
    assert!(broken(&|v| v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "pve/a b.conf".into()));
    assert!(!broken(&|_| ()));
}

/// The SARIF of the incident with what changes whenever a rule is added elsewhere (the
/// rule list and indexes into it) or the version is bumped replaced by placeholders; both
/// are checked by `sarif_matches_the_2_1_0_schema`.
fn stable_sarif(s: &str) -> String {
    let mut v: Value = serde_json::from_str(s).unwrap();
    let driver = &mut v["runs"][0]["tool"]["driver"];
    driver["version"] = "[version]".into();
    driver["semanticVersion"] = "[version]".into();
    driver["rules"] = "[every code of the registry]".into();
    for r in v["runs"][0]["results"].as_array_mut().unwrap() {
        r["ruleIndex"] = "[index of ruleId]".into();
    }
    let mut out = serde_json::to_string_pretty(&v).unwrap();
    out.push('\n');
    out
}

#[test]
fn incident_sarif() {
    let (tree, diags) = incident();
    let s = formats::sarif(&tree, &diags, Default::default());
    assert_eq!(s, formats::sarif(&tree, &diags, Default::default()), "deterministic");
    insta::assert_snapshot!("incident_sarif", stable_sarif(&s));
}

/// Splits a workflow command into its level, properties and message.
fn parse_command(line: &str) -> (&str, Vec<(&str, &str)>, &str) {
    let rest = line.strip_prefix("::").unwrap_or_else(|| panic!("not a command: {line}"));
    let (head, message) = rest.split_once("::").unwrap_or_else(|| panic!("no message: {line}"));
    let (level, props) = head.split_once(' ').unwrap_or_else(|| panic!("no properties: {line}"));
    let props = props.split(',').map(|p| p.split_once('=').unwrap_or_else(|| panic!("bad property {p}"))).collect();
    (level, props, message)
}

#[test]
fn incident_github() {
    let (tree, diags) = incident();
    let out = formats::github(&tree, &diags, Default::default());
    assert_eq!(out.lines().count(), diags.len(), "one line per diagnostic");
    for (line, d) in out.lines().zip(&diags) {
        let (level, props, message) = parse_command(line);
        assert!(["error", "warning", "notice"].contains(&level));
        let keys: Vec<&str> = props.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["file", "line", "col", "endLine", "endColumn", "title"]);
        assert_eq!(props[0].1, tree.file(d.span.file).path);
        for (_, v) in &props[1..5] {
            assert!(v.parse::<usize>().is_ok_and(|n| n >= 1), "{line}");
        }
        assert!(props[5].1.starts_with(d.code));
        assert!(!message.contains('\n') && !message.contains('\r'));
    }
    insta::assert_snapshot!("incident_github", out);
}

#[test]
fn incident_gitlab() {
    let (tree, diags) = incident();
    let out = formats::gitlab(&tree, &diags, Default::default());
    let v: Value = serde_json::from_str(&out).unwrap();
    let issues = v.as_array().unwrap();
    assert_eq!(issues.len(), diags.len());
    let mut fps = BTreeSet::new();
    for i in issues {
        for k in ["description", "check_name", "fingerprint", "severity"] {
            assert!(!i[k].as_str().unwrap().is_empty(), "{k} in {i}");
        }
        assert!(["info", "minor", "major", "critical", "blocker"].contains(&i["severity"].as_str().unwrap()));
        assert!(!i["location"]["path"].as_str().unwrap().is_empty());
        assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        assert!(fps.insert(i["fingerprint"].as_str().unwrap().to_string()), "fingerprints are unique");
    }
    insta::assert_snapshot!("incident_gitlab", out);
}

/// `--format commands` on the incident (all fixes, as with `--unsafe-fixes`): one comment
/// per finding with a fix, then its command; nothing else.
#[test]
fn incident_commands() {
    let (tree, diags) = incident();
    let out = formats::commands(&tree, &diags);
    for line in out.lines() {
        assert!(line.is_empty() || line.starts_with('#') || line.starts_with("pvesh "), "{line:?}");
    }
    insta::assert_snapshot!("incident_commands", out);
}
