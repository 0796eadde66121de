//! The HTML report in a real browser: headless Chromium driven by chromedriver over the
//! WebDriver HTTP protocol (a few lines of blocking HTTP/1.1 below). The page must load
//! without JavaScript errors, show the incident's pool, guests, job and vzdump.conf, and
//! its node and storage filters must hide and show objects when an option is clicked.
//!
//! Without chromium and chromedriver the test prints why and passes, except under CI
//! (`CI` set), where it fails: `.ci/run` installs them (`chromium chromium-driver`).

#![cfg(unix)]

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in names {
        for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/lib/chromium")]) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// One request; the response's JSON body.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(60))).map_err(|e| e.to_string())?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    // chromedriver may keep the connection open: read the header, then exactly
    // Content-Length bytes (or chunks up to the last one).
    let mut raw: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed before the header ended".into());
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
    let length =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = head.contains("transfer-encoding:") && head.contains("chunked");
    let complete = |raw: &[u8]| match length {
        Some(n) => raw.len() >= head_end + n,
        None if chunked => raw.ends_with(b"0\r\n\r\n"),
        None => false,
    };
    while !complete(&raw) {
        let n = s.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let rest = String::from_utf8_lossy(&raw[head_end..]).to_string();
    let body = if chunked {
        let mut out = String::new();
        let mut r = rest.as_str();
        while let Some((size, tail)) = r.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            r = &tail[n + 2..];
        }
        out
    } else {
        rest
    };
    serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))
}

struct Driver {
    child: Child,
    port: u16,
    session: String,
}

impl Driver {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("/session/{}{path}", self.session);
        let v = http(self.port, method, &url, body.as_ref()).unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        if v["value"]["error"].is_string() {
            panic!("{method} {url}: {}", v["value"]);
        }
        v["value"].clone()
    }

    fn find(&self, css: &str) -> String {
        let v = self.call("POST", "/element", Some(json!({"using": "css selector", "value": css})));
        v[ELEMENT].as_str().unwrap_or_else(|| panic!("{css}: {v}")).to_string()
    }

    fn displayed(&self, css: &str) -> bool {
        let e = self.find(css);
        self.call("GET", &format!("/element/{e}/displayed"), None).as_bool().unwrap()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.call("GET", &format!("/element/{e}/text"), None).as_str().unwrap().to_string()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = http(self.port, "DELETE", &format!("/session/{}", self.session), None);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(chromium: &Path, chromedriver: &Path) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let mut d = Driver { child, port, session: String::new() };
    let t = Instant::now();
    while http(port, "GET", "/status", None).map(|v| v["value"]["ready"] != true).unwrap_or(true) {
        assert!(t.elapsed() < Duration::from_secs(30), "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium.display().to_string(),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,900"]
        },
        "goog:loggingPrefs": {"browser": "ALL"}
    }}});
    let v = http(port, "POST", "/session", Some(&caps)).expect("new session");
    d.session = v["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {v}")).to_string();
    d
}

fn obj(id: &str) -> String {
    format!("g.obj[data-id=\"{id}\"]")
}

#[test]
fn the_html_report_works_in_chromium() {
    let (Some(chromium), Some(chromedriver)) =
        (find_program(&["chromium", "chromium-browser"]), find_program(&["chromedriver"]))
    else {
        let msg = "chromium or chromedriver not found (apt-get install chromium chromium-driver): the browser test of the HTML report did not run";
        if std::env::var_os("CI").is_some() {
            panic!("{msg}; under CI it must run");
        }
        println!("SKIPPED: {msg}");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/incident");
    let out = Command::new(env!("CARGO_BIN_EXE_pvelint"))
        .args(["graph", ".", "--format", "html", "-o"])
        .arg(&report)
        .current_dir(&tree)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let d = start(&chromium, &chromedriver);
    d.call("POST", "/url", Some(json!({"url": format!("file://{}", report.display())})));
    assert_eq!(d.call("GET", "/title", None), "pvelint graph");
    // No JavaScript error (nor any other severe console message) while loading.
    let logs = d.call("POST", "/se/log", Some(json!({"type": "browser"})));
    let severe: Vec<&Value> = logs.as_array().unwrap().iter().filter(|l| l["level"] == "SEVERE").collect();
    assert!(severe.is_empty(), "{severe:?}");

    // The incident's objects are drawn.
    for id in [
        "storage:local-3TB-backup",
        "node:fun-bedbug",
        "guest:106",
        "guest:113",
        "guest:120",
        "guest:101",
        "job:backup-ff3d789f-f52b",
        "vzdump-conf:fun-bedbug",
    ] {
        assert!(d.displayed(&obj(id)), "{id} shown");
    }
    assert!(d.text("#findings").contains("G105"));

    // Filter by storage: what hangs on the pool stays, VM 101 (only on local-lvm) goes.
    d.click("#f-storage option[value=\"storage:local-3TB-backup\"]");
    for id in
        ["storage:local-3TB-backup", "guest:106", "guest:113", "guest:120", "vzdump-conf:fun-bedbug", "node:fun-bedbug"]
    {
        assert!(d.displayed(&obj(id)), "{id} shown with the pool's filter");
    }
    assert!(!d.displayed(&obj("guest:101")), "VM 101 hidden by the pool's filter");
    assert!(d.text("#f-status").contains("objects"), "{}", d.text("#f-status"));

    // Filter by node: still-fawn's guests stay, fun-bedbug's go; the other select resets.
    d.click("#f-node option[value=\"node:still-fawn\"]");
    assert!(d.displayed(&obj("guest:120")) && d.displayed(&obj("guest:101")));
    assert!(!d.displayed(&obj("guest:106")) && !d.displayed(&obj("guest:113")));
    assert!(!d.displayed(&obj("vzdump-conf:fun-bedbug")));

    // Show all again.
    d.click("#f-reset");
    assert!(d.displayed(&obj("guest:106")) && d.displayed(&obj("guest:101")));
    let logs = d.call("POST", "/se/log", Some(json!({"type": "browser"})));
    assert!(logs.as_array().unwrap().iter().all(|l| l["level"] != "SEVERE"), "{logs}");
}

/// mermaid.js (the renderer GitHub and GitLab use for ```mermaid blocks), as `.ci/run`
/// fetches it: `target/mermaid/package/dist/mermaid.min.js` (`npm pack mermaid@11`), or
/// `PVELINT_MERMAID_JS`.
fn mermaid_js() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PVELINT_MERMAID_JS") {
        return Some(PathBuf::from(p));
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/mermaid/package/dist/mermaid.min.js");
    p.is_file().then_some(p)
}

/// Renders Mermaid text with mermaid.js in Chromium: `Ok(svg)` or the parser's error.
fn render_mermaid(d: &Driver, js: &Path, code: &str, dir: &Path) -> Result<String, String> {
    let escaped = code.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>mermaid</title><script src=\"file://{}\"></script></head>\
         <body><pre id=\"src\">{escaped}</pre><div id=\"out\"></div><div id=\"status\"></div><script>\
         mermaid.initialize({{startOnLoad: false, securityLevel: 'strict'}});\
         mermaid.render('g', document.getElementById('src').textContent)\
         .then(r => {{ document.getElementById('out').innerHTML = r.svg; document.getElementById('status').textContent = 'ok'; }})\
         .catch(e => {{ document.getElementById('status').textContent = 'error: ' + e; }});\
         </script></body></html>",
        js.display()
    );
    let file = dir.join("mermaid.html");
    std::fs::write(&file, page).unwrap();
    d.call("POST", "/url", Some(json!({"url": format!("file://{}", file.display())})));
    let t = Instant::now();
    loop {
        let status = d.text("#status");
        if status == "ok" {
            let svg = d.call(
                "POST",
                "/execute/sync",
                Some(json!({"script": "return document.getElementById('out').innerHTML", "args": []})),
            );
            return Ok(svg.as_str().unwrap_or_default().to_string());
        }
        if !status.is_empty() {
            return Err(status);
        }
        assert!(t.elapsed() < Duration::from_secs(60), "mermaid did not finish");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The Mermaid of `check --format markdown` (the pull-request summary) and of `graph
/// --format mermaid` parses and renders with mermaid.js, the library GitHub and GitLab
/// render ```mermaid blocks with, showing the incident's pool and guests.
#[test]
fn the_mermaid_output_renders_with_mermaid_js() {
    let (Some(chromium), Some(chromedriver), Some(js)) =
        (find_program(&["chromium", "chromium-browser"]), find_program(&["chromedriver"]), mermaid_js())
    else {
        let msg = "chromium, chromedriver or mermaid.js (target/mermaid, see .ci/run) not found: the Mermaid rendering test did not run";
        if std::env::var_os("CI").is_some() {
            panic!("{msg}; under CI it must run");
        }
        println!("SKIPPED: {msg}");
        return;
    };
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/incident");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_pvelint")).args(args).current_dir(&tree).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let summary = run(&["check", ".", "--format", "markdown"]);
    let block = summary
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("the summary has a mermaid block")
        .to_string();
    let graph = run(&["graph", ".", "--format", "mermaid", "--focus", "storage:local-3TB-backup"]);
    let dir = tempfile::tempdir().unwrap();
    let d = start(&chromium, &chromedriver);
    for (what, code) in [("summary", block), ("graph", graph)] {
        let svg = render_mermaid(&d, &js, &code, dir.path()).unwrap_or_else(|e| panic!("{what}: {e}\n{code}"));
        for label in ["local-3TB-backup", "CT 106", "CT 113"] {
            assert!(svg.contains(label), "{what}: {label} drawn");
        }
    }
}
