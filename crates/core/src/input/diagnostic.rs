//! Diagnostics: collected while loading, rendered like cargo reports a bad
//! manifest (`error: ...`, ` --> file:line:col`, a snippet with the span
//! underlined, `= help: ...`).

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// Index of the file's source among the loaded sources; `--set` flags follow.
pub(crate) const FILE_SRC: usize = 0;

/// At most this many errors are kept: enough to fix a file in one go, and a
/// bound on the work spent on a hostile input (hints cost edit distances).
pub const MAX_ERRORS: usize = 50;

/// A byte range in one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub src: usize,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(src: usize, start: usize, end: usize) -> Span {
        Span {
            src,
            start,
            end: end.max(start),
        }
    }
}

/// A text that spans point into: the scenario file or one `--set` flag.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// File name as given, `--set`, or `--values` (a sweep's value).
    pub origin: String,
    pub text: String,
    /// For a flag, the flag's text, prefixed to every message about it.
    pub flag: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    /// A secondary place worth showing (e.g. the first definition of a duplicate).
    pub context: Option<(Span, String)>,
}

impl Diagnostic {
    pub fn new(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            span,
            message: message.into(),
            label: String::new(),
            help: None,
            context: None,
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: Option<String>) -> Diagnostic {
        self.help = help;
        self
    }

    pub fn context(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.context = Some((span, label.into()));
        self
    }
}

/// The errors found so far. Beyond `MAX_ERRORS` they are only counted.
#[derive(Debug, Default)]
pub(crate) struct Diags {
    list: Vec<Diagnostic>,
    dropped: usize,
}

impl Diags {
    pub fn push(&mut self, d: Diagnostic) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(d);
        } else {
            self.dropped += 1;
        }
    }

    /// Number of errors seen (kept or not).
    pub fn len(&self) -> usize {
        self.list.len() + self.dropped
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True once further errors would be dropped: callers skip costly hints.
    pub fn is_full(&self) -> bool {
        self.list.len() >= MAX_ERRORS
    }

    /// The errors as data, with the texts their spans point into.
    pub fn into_report(self, sources: Vec<Source>) -> Diagnostics {
        Diagnostics {
            list: self.list,
            dropped: self.dropped,
            sources,
        }
    }
}

/// The errors found in a scenario and its overrides, with the texts they
/// point into; `render` writes them as cargo writes a bad manifest's.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
    dropped: usize,
    sources: Vec<Source>,
}

impl Diagnostics {
    /// The errors kept (at most `MAX_ERRORS`), in the order found.
    pub fn list(&self) -> &[Diagnostic] {
        &self.list
    }

    /// How many more errors there were beyond those kept.
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    /// The texts the spans point into: the file, then each `--set` flag.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The (1-based) line and column where `span` starts.
    pub fn line_column(&self, span: Span) -> Option<(usize, usize)> {
        let text = &self.sources.get(span.src)?.text;
        let start = floor_boundary(text, span.start.min(text.len()));
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Some((line, column))
    }

    /// Renders every error, in source order, followed by a count line.
    pub fn render(&self) -> String {
        let sources = &self.sources;
        let mut list: Vec<&Diagnostic> = self.list.iter().collect();
        list.sort_by_key(|d| (d.span.src, d.span.start, d.span.end));
        let mut out: Vec<String> = list.iter().map(|d| render_one(sources, d)).collect();
        if self.dropped > 0 {
            out.push(format!(
                "error: {} more errors not shown; fix the above first",
                self.dropped
            ));
        }
        let origin = sources
            .get(FILE_SRC)
            .map_or("(input)", |s| s.origin.as_str());
        let n = self.list.len() + self.dropped;
        if n > 1 {
            out.push(format!(
                "error: could not load `{origin}` due to {n} errors"
            ));
        }
        out.join("\n\n")
    }
}

/// Largest char boundary <= i (spans come from the parser or from our own
/// arithmetic on flags; this keeps slicing safe whatever happens).
fn floor_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The lines around `span` (at most a few), the 1-based number of the first,
/// and the span relative to that excerpt. Rendering only an excerpt keeps the
/// cost per error independent of the file's size.
fn excerpt(text: &str, span: Span) -> (&str, usize, std::ops::Range<usize>) {
    let start = floor_boundary(text, span.start);
    let end = floor_boundary(text, span.end).max(start);
    let line_begin = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_no = 1 + text[..line_begin].matches('\n').count();
    // Show at most 4 lines of a long span (e.g. a whole table).
    let mut stop = start;
    for _ in 0..4 {
        match text[stop..].find('\n') {
            Some(i) if stop + i < end => stop += i + 1,
            Some(i) => {
                stop += i;
                break;
            }
            None => {
                stop = text.len();
                break;
            }
        }
    }
    let stop = stop.max(start);
    let end = end.min(stop);
    (
        &text[line_begin..stop],
        line_no,
        (start - line_begin)..(end - line_begin),
    )
}

/// `text` with its middle left out when it is long (the snippet below a
/// title shows the part in question): a flag's value may be any length.
fn elided(text: &str) -> std::borrow::Cow<'_, str> {
    const HEAD: usize = 80;
    const TAIL: usize = 30;
    let chars = text.chars().count();
    if chars <= HEAD + TAIL + 3 {
        return text.into();
    }
    let head: String = text.chars().take(HEAD).collect();
    let tail: String = text.chars().skip(chars - TAIL).collect();
    format!("{head}...{tail}").into()
}

fn render_one(sources: &[Source], d: &Diagnostic) -> String {
    let Some(source) = sources.get(d.span.src) else {
        return format!("error: {}", d.message);
    };
    let title = match &source.flag {
        // `--set KEY=VALUE: ...`, or `--values KEY=VALUE: ...` for a
        // sweep's value (applied like a `--set` flag).
        Some(flag) => format!("{} {}: {}", source.origin, elided(flag), d.message),
        None => d.message.clone(),
    };
    let (text, line, range) = excerpt(&source.text, d.span);
    let snippet = Snippet::source(text)
        .line_start(line)
        .path(source.origin.as_str())
        .fold(false)
        .annotation(AnnotationKind::Primary.span(range).label(d.label.as_str()));
    let mut extra = None;
    // The context in a snippet of its own, from its own source (the file,
    // or a `--set` flag), so each stays short and points at the right text.
    if let Some((span, label)) = &d.context
        && let Some(csource) = sources.get(span.src)
    {
        let (ctext, cline, crange) = excerpt(&csource.text, *span);
        extra = Some(
            Snippet::source(ctext)
                .line_start(cline)
                .path(csource.origin.as_str())
                .fold(false)
                .annotation(AnnotationKind::Context.span(crange).label(label.as_str())),
        );
    }
    let mut group = Level::ERROR.primary_title(title.as_str()).element(snippet);
    if let Some(s) = extra {
        group = group.element(s);
    }
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let report: [Group<'_>; 1] = [group];
    Renderer::plain().render(&report).to_string()
}

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo, or if `word` is the start of it (`delay` for `delay_months`).
/// Closeness is the optimal-string-alignment distance, which counts a swap
/// of two neighbours as one edit (so `jion` is one typo away from `join`).
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // Long words are never typos of our short keys and ids; skipping them
    // bounds the cost on hostile input.
    if word.len() > 64 {
        return None;
    }
    let limit = word.chars().count().div_ceil(3).max(1);
    candidates
        .into_iter()
        .filter(|c| c.len() <= 64)
        .filter_map(|c| {
            let d = if c.eq_ignore_ascii_case(word) {
                0
            } else {
                strsim::osa_distance(word, c)
            };
            let prefix = word.len() >= 3 && c.starts_with(word);
            (d <= limit || prefix).then_some((d.min(limit), c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// "known X: a, b, c" (at most 10 named), for references with no close match.
pub(crate) fn known_list<'a>(
    what: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let all: Vec<&str> = candidates.into_iter().collect();
    if all.is_empty() {
        return None;
    }
    let shown: Vec<String> = all.iter().take(10).map(|c| format!("`{c}`")).collect();
    let more = if all.len() > 10 { ", ..." } else { "" };
    Some(format!("known {what}: {}{more}", shown.join(", ")))
}

/// `Some("did you mean `x`?")` when a close candidate exists.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    suggest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_flags_are_elided_in_titles_short_ones_kept() {
        assert_eq!(elided("member.uk.join=0.5"), "member.uk.join=0.5");
        let exact = "k=".to_string() + &"9".repeat(111);
        assert_eq!(elided(&exact), exact);
        let long = format!("member.uk.join={}x", "9é".repeat(500));
        let short = elided(&long);
        assert_eq!(short.chars().count(), 80 + 3 + 30);
        assert!(short.starts_with("member.uk.join=9é") && short.ends_with("9é9éx"));
        assert!(short.contains("..."));
    }

    #[test]
    fn a_swap_of_neighbours_is_one_typo() {
        // Four letters allow one edit: a swap counts as one, not two.
        assert_eq!(suggest("jion", ["join", "leave"]), Some("join"));
        assert_eq!(suggest("ujoin", ["join"]), Some("join"));
        // Two letters allow one edit: swapped, `ku` is one from `uk` (two
        // substitutions otherwise) and two from `us`.
        assert_eq!(suggest("ku", ["us", "uk"]), Some("uk"));
        assert_eq!(
            did_you_mean("jion", ["join"]).as_deref(),
            Some("did you mean `join`?")
        );
        // Six letters allow two edits; `kitten` is three from `sitting`.
        assert_eq!(suggest("kitten", ["sitting"]), None);
        assert_eq!(suggest("kitten", ["sitting", "mitten"]), Some("mitten"));
        assert_eq!(suggest("", ["a", "abc"]), Some("a"));
        assert_eq!(suggest("", ["abc"]), None);
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("captial", ["capability", "capital"]),
            Some("capital")
        );
        assert_eq!(
            suggest("thresold", ["threshold", "need"]),
            Some("threshold")
        );
        assert_eq!(suggest("xyz", ["threshold", "need"]), None);
        assert_eq!(suggest("xx", ["uk", "us"]), None);
        assert_eq!(
            suggest("delay", ["phase", "delay_months"]),
            Some("delay_months")
        );
        assert_eq!(
            suggest("triangle", ["uniform", "triangular"]),
            Some("triangular")
        );
    }

    #[test]
    fn renders_file_line_col_and_snippet() {
        let sources = vec![Source {
            origin: "s.toml".into(),
            text: "a = 1\nb = 2\n".into(),
            flag: None,
        }];
        let mut d = Diags::default();
        d.push(Diagnostic::new(Span::new(0, 10, 11), "bad b").label("here"));
        let report = d.into_report(sources);
        assert_eq!(report.line_column(report.list()[0].span), Some((2, 5)));
        let out = report.render();
        assert!(out.contains("error: bad b"), "{out}");
        assert!(out.contains("s.toml:2:5"), "{out}");
        assert!(out.contains("b = 2"), "{out}");
    }
}
