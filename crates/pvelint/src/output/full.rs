//! `full`: miette snippets, one block per diagnostic, labels across files through one
//! source with global offsets; long lines shown as a window around the span; the rule's
//! document as miette's link (a terminal hyperlink where the terminal supports them).

use super::Links;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};
use pvelint_parse::{Diagnostic, Severity, Span, Tree};
use std::fmt;

/// All files of the tree as one source with global offsets, so that one diagnostic can
/// carry labels in several files.
struct TreeSource<'a> {
    tree: &'a Tree,
    bases: Vec<usize>,
    /// The texts shown in snippets: values of sensitive keys masked (same offsets).
    texts: Vec<std::borrow::Cow<'a, str>>,
    /// Per file, built on first use: where each line starts, as miette counts lines
    /// (`\n`, `\r\n` and a lone `\r` each end one).
    line_starts: Vec<std::sync::OnceLock<Box<[usize]>>>,
}

/// A file attached from outside the tree as the full format may show it: only the spans
/// of the findings and labels in it; every other character becomes spaces of the same
/// byte length (line ends kept), so that offsets and lines hold.
fn only_spans(text: &str, file: pvelint_parse::FileId, diags: &[Diagnostic]) -> String {
    let mut keep: Vec<(usize, usize)> = diags
        .iter()
        .flat_map(|d| std::iter::once(d.span).chain(d.labels.iter().map(|l| l.span)))
        .filter(|s| s.file == file)
        .map(|s| (s.start as usize, s.end as usize))
        .collect();
    keep.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut k = 0;
    for (i, c) in text.char_indices() {
        while k < keep.len() && keep[k].1 <= i {
            k += 1;
        }
        let inside = keep[k..].iter().take_while(|(a, _)| *a <= i).any(|(_, b)| i < *b);
        if inside || c == '\n' || c == '\r' {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    }
    out
}

/// The offsets where lines start, for miette's notion of a line ([`TreeSource`]).
fn miette_line_starts(text: &[u8]) -> Box<[usize]> {
    let mut starts = vec![0];
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\r' if text.get(i + 1) == Some(&b'\n') => {
                i += 1;
                starts.push(i + 1);
            }
            b'\r' | b'\n' => starts.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    starts.into_boxed_slice()
}

/// Lines longer than this (in bytes) are shown as a window around the span, not whole:
/// n findings on a 1 MiB line must not print n MiB.
const LONG_LINE: usize = 1024;

/// Bytes of a long line shown on each side of a span.
const WINDOW: usize = 80;

/// The end (exclusive) of the miette line `line`, without its line break.
fn miette_line_end(text: &[u8], starts: &[usize], line: usize) -> usize {
    let start = starts[line];
    let mut end = starts.get(line + 1).copied().unwrap_or(text.len());
    if end > start && text[end - 1] == b'\n' {
        end -= 1;
        if end > start && text[end - 1] == b'\r' {
            end -= 1;
        }
    } else if end > start && end < text.len() && text[end - 1] == b'\r' {
        end -= 1;
    }
    end
}

type Window = Result<(std::ops::Range<usize>, usize, usize), MietteError>;

/// When the lines of a snippet (the span's lines and `before`/`after` lines around it)
/// include a long line: the bytes to show instead, as (range, line, column); `None` when
/// every line is short (miette then shows whole lines, as always). A span on one long
/// line gets a window of [`WINDOW`] bytes each side (cut at character boundaries); a
/// short span next to a long line gets its own lines only; a span over several lines
/// including a long one is refused (miette then does not merge it).
fn long_line_window(
    text: &[u8],
    starts: &[usize],
    offset: usize,
    len: usize,
    line: usize,
    before: usize,
    after: usize,
) -> Option<Window> {
    let last = starts.partition_point(|s| *s <= offset + len.saturating_sub(1)).saturating_sub(1).max(line);
    let lo = line.saturating_sub(before);
    let hi = (last + after).min(starts.len() - 1);
    let long = |l: usize| miette_line_end(text, starts, l) - starts[l] > LONG_LINE;
    if !(lo..=hi).any(long) {
        return None;
    }
    let (ls, le) = (starts[line], miette_line_end(text, starts, last));
    if last != line && (line..=last).any(long) {
        return Some(Err(MietteError::OutOfBounds));
    }
    let boundary = |mut i: usize, up: bool| {
        while i > 0 && i < text.len() && (text[i] & 0xC0) == 0x80 {
            if up {
                i += 1
            } else {
                i -= 1
            }
        }
        i
    };
    let end = (offset + len).max(offset);
    let (ws, we) = if long(line) {
        (boundary(offset.saturating_sub(WINDOW).max(ls), false), boundary((end + WINDOW).min(le), true))
    } else {
        (ls, le)
    };
    // As miette's own reading: without lines before, the data starts at the span and the
    // column is the span's (in bytes); with lines before, at the first byte shown.
    let start = if before == 0 { offset } else { ws };
    Some(Ok((start..we.max(end.min(text.len())), line, start - ls)))
}

impl<'a> TreeSource<'a> {
    fn new(tree: &'a Tree, diags: &[Diagnostic]) -> Self {
        let mut bases = Vec::with_capacity(tree.files.len());
        let mut base = 0;
        for f in &tree.files {
            bases.push(base);
            base += f.text.len() + 1;
        }
        let mut texts: Vec<std::borrow::Cow<'a, str>> =
            tree.files.iter().map(|f| pvelint_parse::secrets::redact(&f.text)).collect();
        for f in tree.files.iter().filter(|f| f.origin == pvelint_parse::source::Origin::Attached) {
            if let Some(t) = texts.get_mut(f.id.0 as usize) {
                *t = std::borrow::Cow::Owned(only_spans(t, f.id, diags));
            }
        }
        let line_starts = tree.files.iter().map(|_| std::sync::OnceLock::new()).collect();
        TreeSource { tree, bases, texts, line_starts }
    }

    fn global(&self, span: Span) -> SourceSpan {
        let base = self.bases[span.file.0 as usize];
        SourceSpan::new((base + span.start as usize).into(), span.len())
    }
}

impl SourceCode for TreeSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let idx = self.bases.partition_point(|b| *b <= span.offset()).saturating_sub(1);
        let base = self.bases[idx];
        let file = &self.tree.files[idx];
        let text = self.texts[idx].as_bytes();
        let offset = span.offset() - base;
        // miette finds lines by scanning the text from its start, for every snippet: on a
        // large file with many findings that is quadratic. Hand it only the text from the
        // line before the first context line on (its scan looks one byte behind the span),
        // and add the lines skipped.
        // A span that runs past the end of its file (miette's attempt to merge the
        // snippets of labels in two files) is refused at once, as miette's own reading
        // would refuse it after scanning to the end of the file: for every such finding.
        if (offset + span.len()).saturating_sub(1) > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let starts = self.line_starts[idx].get_or_init(|| miette_line_starts(text));
        let line = starts.partition_point(|s| *s <= offset).saturating_sub(1);
        if let Some(window) = long_line_window(text, starts, offset, span.len(), line, before, after) {
            let (data, line, column) = window?;
            let global = SourceSpan::new((data.start + base).into(), data.len());
            return Ok(Box::new(MietteSpanContents::new_named(
                file.path.clone(),
                &text[data],
                global,
                line,
                column,
                1,
            )));
        }
        let first = line.saturating_sub(before + 1);
        let window = starts[first].min(text.len());
        let local = SourceSpan::new((offset - window).into(), span.len());
        let inner = text[window..].read_span(&local, before, after)?;
        let global = SourceSpan::new((inner.span().offset() + window + base).into(), inner.span().len());
        Ok(Box::new(MietteSpanContents::new_named(
            file.path.clone(),
            inner.data(),
            global,
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        )))
    }
}

struct MietteReport<'a> {
    diag: &'a Diagnostic,
    source: &'a TreeSource<'a>,
    labels: Vec<LabeledSpan>,
    code: String,
    url: String,
}

impl fmt::Debug for MietteReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for MietteReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for MietteReport<'_> {}

impl miette::Diagnostic for MietteReport<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.url))
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// Options of the `full` format.
#[derive(Clone, Copy, Debug)]
pub struct FullStyle {
    pub color: bool,
    pub width: usize,
}

/// miette snippets, one block per diagnostic.
pub fn full(tree: &Tree, diags: &[Diagnostic], style: FullStyle, links: Links) -> String {
    let source = TreeSource::new(tree, diags);
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    // On a terminal (colour on) the code is a hyperlink to the rule's document; elsewhere
    // no link is printed (JSON, SARIF, GitHub and GitLab output carry it as text).
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .tab_width(4)
        .with_links(style.color)
        .with_urls(style.color);
    let mut out = String::new();
    // On a long line miette shows a window around one span: a span longer than the
    // window is cut to its start (at a character boundary), and a second span of the same
    // finding on that line is left out of the snippet (it stays in every other format).
    let long_line_of = |span: Span| {
        let f = tree.file(span.file);
        let line = f.line_span(span.start);
        (line.len() > LONG_LINE).then_some((span.file, line.start))
    };
    let shown = |span: Span| -> SourceSpan {
        if span.len() > WINDOW && long_line_of(span).is_some() {
            let text = &tree.file(span.file).text;
            let mut end = span.start as usize + WINDOW;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            return source.global(Span::new(span.file, span.start as usize, end));
        }
        source.global(span)
    };
    for d in diags {
        let mut labels = vec![LabeledSpan::new_primary_with_span(None, shown(d.span))];
        let mut long_lines: Vec<(pvelint_parse::FileId, u32)> = long_line_of(d.span).into_iter().collect();
        for l in &d.labels {
            if let Some(key) = long_line_of(l.span) {
                if long_lines.contains(&key) {
                    continue;
                }
                long_lines.push(key);
            }
            labels.push(LabeledSpan::new_with_span(Some(l.message.clone()), shown(l.span)));
        }
        let report = MietteReport {
            diag: d,
            source: &source,
            labels,
            code: format!("{}({})", d.code, d.name),
            url: links.url(d.code),
        };
        let mut s = String::new();
        if handler.render_report(&mut s, &report).is_err() {
            s = format!("{}: {}\n", d.code, d.message);
        }
        out.push_str(&s);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pvelint_parse::{InputFile, TreeInput};

    /// The windowed `read_span` answers exactly what miette's own scan from the start of
    /// the file answers, for every span, context size and kind of line end.
    #[test]
    fn windowed_snippets_match_miettes_scan() {
        let text = "dir: a\n\tpath /x\r\n\r\nnfs: b\r\tserver 1.2.3.4\n\n\n\texport /é\rlast line";
        let input =
            TreeInput { files: vec![InputFile::new("storage.cfg", text.as_bytes().to_vec())], ..Default::default() };
        let tree = pvelint_parse::load(input);
        let source = TreeSource::new(&tree, &[]);
        let n = text.len();
        let mut checked = 0;
        for start in (0..=n).filter(|i| text.is_char_boundary(*i)) {
            for end in (start..=n).filter(|i| text.is_char_boundary(*i)).take(12) {
                for (before, after) in [(0, 0), (1, 1), (2, 3), (5, 0)] {
                    let span = SourceSpan::new(start.into(), end - start);
                    let ours = source.read_span(&span, before, after);
                    let theirs = text.read_span(&span, before, after);
                    match (ours, theirs) {
                        (Ok(a), Ok(b)) => {
                            assert_eq!(
                                (a.data(), a.span(), a.line(), a.column(), a.line_count()),
                                (b.data(), b.span(), b.line(), b.column(), b.line_count()),
                                "span {start}..{end}, context {before}/{after}"
                            );
                            checked += 1;
                        }
                        (a, b) => assert_eq!(a.is_ok(), b.is_ok(), "span {start}..{end}"),
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }
}
