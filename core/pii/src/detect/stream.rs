//! Detection over a text of any size in bounded memory: the text is scanned in windows (1 MiB
//! by default), either from a `&str` already in memory ([`Detector::detect_large_text`], no copy)
//! or from chunks as they arrive ([`DetectStream`], which keeps a window or two).
//!
//! Each window is scanned exactly as [`Detector::detect_text`] scans a whole text, and only the
//! entities whose scan was complete inside it are reported; the next window starts a little
//! before that point (context words before a value count), so every value is reported once, by
//! the window that saw all of it and its context. Windows hand over at a line break, because
//! nothing the engine finds spans one (no pattern of the automaton matches a line break, a
//! name's words are one space apart, so overlaps resolve on one side): whatever came before,
//! the scan is in the same state there as in the whole text, and the result is the whole text's.
//! `tests/stream.rs` checks that against `detect_text` on random texts, windows and chunks; a
//! recognizer that starts matching across lines would fail it. A line longer than a few windows
//! (`MAX_GROWTH`) is cut after a value or at a space instead: exact unless a chain of overlapping
//! candidates reaches from before the window's start across the cut (crafted input, not text).
//!
//! Memory is one window's text (a slice of the text, or the stream's buffer: at most about two
//! windows, plus the chunk being pushed), its pre-scan and its hits.

use super::scan::{AFTER, BEFORE, Hit};
use super::{DetectOptions, Detector, to_entity};
use crate::Entity;

/// Text before a window's first reported position that it scans too, so that context words,
/// the byte before a value and the words of a name run are seen as in the whole text.
const LOOK_BEHIND: usize = 2 * 1024;

/// Longest candidate the automaton looks at (the engine's `MAX_CANDIDATE`; a test below fails
/// if a detected value grows past it).
const MAX_CANDIDATE: usize = 8 * 1024;

/// Text a window must hold past a position for the result there to be final: the longest
/// candidate that may start there, and room for the context words after it.
const LOOK_AHEAD: usize = MAX_CANDIDATE + 1024;

const _: () = assert!(BEFORE * 8 <= LOOK_BEHIND && AFTER * 8 <= LOOK_AHEAD - MAX_CANDIDATE);

/// Window size of [`Detector::detect_large_text`] and of a new [`DetectStream`]: large, so the
/// look-behind and look-ahead scanned twice cost about 1%.
pub const DEFAULT_WINDOW: usize = 1024 * 1024;

/// Smallest window [`DetectStream::with_window`] accepts: the look-behind, the look-ahead and
/// room to move on.
pub const MIN_WINDOW: usize = 16 * 1024;

/// A window finding no line break to hand over at is retried up to this many times larger
/// before it is cut elsewhere.
const MAX_GROWTH: usize = 4;

/// What can go wrong when a stream is fed bytes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamError {
    /// The bytes are not UTF-8 (or end inside a character).
    #[error("the text is not UTF-8 at byte {offset}")]
    InvalidUtf8 {
        /// Offset of the first bad byte in the whole stream.
        offset: usize,
    },
}

/// One window: `text` is the whole text's `base..base + text.len()`.
struct Window<'t> {
    text: &'t str,
    base: usize,
    /// Where reporting resumes (absolute): everything before was reported by earlier windows.
    resume: usize,
    /// The window reaches the end of the text.
    last: bool,
    /// The caller can offer a larger window if this one has no line break to hand over at.
    may_grow: bool,
}

/// What a window's scan says to do next.
enum Step {
    /// Every entity starting before this absolute offset is reported; resume there.
    Resume(usize),
    /// No line break to hand over at: scan again with a larger window.
    Grow,
    /// The end of the text is reached.
    Done,
}

impl Detector {
    /// Finds the sensitive values in a text of any size, as [`Detector::detect_text`] would
    /// without its size limit: the text is scanned window by window (no copy), so the scan's
    /// memory stays about one window whatever the text's size. Offsets are into `text`.
    pub fn detect_large_text(&self, text: &str, opts: &DetectOptions) -> Vec<Entity> {
        let mut out = Vec::new();
        let mut span = DEFAULT_WINDOW;
        let mut resume = 0;
        loop {
            let start = window_start(text, resume);
            let end = floor_char_boundary(text, start.saturating_add(span));
            let window = Window {
                text: &text[start..end],
                base: start,
                resume,
                last: end == text.len(),
                may_grow: span < DEFAULT_WINDOW * MAX_GROWTH,
            };
            match self.scan_window(&window, opts, &mut out) {
                Step::Done => return out,
                Step::Resume(next) => (resume, span) = (next, DEFAULT_WINDOW),
                Step::Grow => span = span.saturating_mul(2),
            }
        }
    }

    /// A detector fed the text in chunks (a body, a file, a socket, read piece by piece).
    pub fn stream(&self, opts: DetectOptions) -> DetectStream<'_> {
        DetectStream {
            detector: self,
            opts,
            window: DEFAULT_WINDOW,
            span: DEFAULT_WINDOW,
            buf: String::new(),
            head: 0,
            offset: 0,
            resume: 0,
            partial: [0; 4],
            partial_len: 0,
            broken: None,
            done: false,
        }
    }

    /// Scans one window and reports (into `out`) the entities it is the one to report. The
    /// line break to hand over at is looked for first, so a window that must grow costs no scan.
    fn scan_window(&self, w: &Window<'_>, opts: &DetectOptions, out: &mut Vec<Entity>) -> Step {
        let bytes = w.text.as_bytes();
        let from = w.resume - w.base;
        // Positions from here on may need text past the window: a later window reports them.
        let exact = if w.last {
            bytes.len()
        } else {
            bytes.len() - LOOK_AHEAD
        };
        let line_break = if w.last {
            None
        } else {
            last_line_break(bytes, from, exact)
        };
        if !w.last && line_break.is_none() && w.may_grow {
            return Step::Grow;
        }
        let hits = self.hits(w.text, 0, opts);
        let (cut, step) = match line_break {
            _ if w.last => (bytes.len(), Step::Done),
            Some(at) => (at, Step::Resume(w.base + at)),
            None => {
                let at = forced_cut(w.text, from, exact, &hits);
                (at, Step::Resume(w.base + at))
            }
        };
        out.extend(
            hits.into_iter()
                .filter(|h| h.start >= from && h.start < cut && opts.wants(h.ty))
                .map(|h| to_entity(shifted(h, w.base), None)),
        );
        step
    }
}

/// A detector fed a text in chunks, in order; it reports each entity once, with offsets into the
/// whole text, as soon as the window holding it is scanned. Built by [`Detector::stream`].
///
/// ```
/// use coffer_pii::{DetectOptions, Detector};
///
/// let mut stream = Detector::shared().stream(DetectOptions::default());
/// let mut found = stream.push("mail bob@exam");
/// found.extend(stream.push("ple.com today\n"));
/// found.extend(stream.finish()?);
/// assert_eq!((found[0].start, found[0].end), (5, 20));
/// # Ok::<(), coffer_pii::StreamError>(())
/// ```
pub struct DetectStream<'d> {
    detector: &'d Detector,
    opts: DetectOptions,
    window: usize,
    /// The current window's size (grows when a window finds no line break).
    span: usize,
    /// Text from `head` on is the current window; before it, text already scanned, dropped
    /// once it is at least as long as what follows (so each byte is moved about once).
    buf: String,
    head: usize,
    /// Offset in the whole text of `buf`'s first byte.
    offset: usize,
    resume: usize,
    /// The start of a character the last byte chunk cut (`push_bytes`).
    partial: [u8; 4],
    partial_len: usize,
    /// Where the bytes stopped being UTF-8, once they did.
    broken: Option<usize>,
    done: bool,
}

impl std::fmt::Debug for DetectStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the buffered text: it may hold the very values being looked for.
        f.debug_struct("DetectStream")
            .field("window", &self.window)
            .field("offset", &(self.offset + self.head))
            .field("buffered", &(self.buf.len() - self.head))
            .finish_non_exhaustive()
    }
}

impl DetectStream<'_> {
    /// Windows of `bytes` (at least [`MIN_WINDOW`]) instead of [`DEFAULT_WINDOW`]: smaller
    /// keeps less in memory and reports sooner, at the cost of more text scanned twice.
    #[must_use]
    pub fn with_window(mut self, bytes: usize) -> Self {
        self.window = bytes.max(MIN_WINDOW);
        self.span = self.window;
        self
    }

    /// Adds the next piece of text; returns the entities that are now known, in order.
    pub fn push(&mut self, chunk: &str) -> Vec<Entity> {
        if self.partial_len > 0 && !chunk.is_empty() {
            // A character cut by `push_bytes` can only go on with bytes, not a whole `str`.
            self.broken.get_or_insert(self.offset + self.buf.len());
        }
        self.append(chunk)
    }

    /// Adds the next piece of text as bytes, which may cut a character anywhere (a reader's
    /// buffer); returns the entities that are now known, in order.
    pub fn push_bytes(&mut self, mut chunk: &[u8]) -> Result<Vec<Entity>, StreamError> {
        if let Some(offset) = self.broken {
            return Err(StreamError::InvalidUtf8 { offset });
        }
        let mut out = Vec::new();
        if self.partial_len > 0 {
            let need = utf8_width(self.partial[0]).saturating_sub(self.partial_len);
            let take = need.min(chunk.len());
            let (head, rest) = chunk.split_at(take);
            self.partial[self.partial_len..self.partial_len + take].copy_from_slice(head);
            self.partial_len += take;
            chunk = rest;
            if self.partial_len < utf8_width(self.partial[0]) {
                return Ok(out);
            }
            let bytes = self.partial;
            let len = std::mem::take(&mut self.partial_len);
            match std::str::from_utf8(&bytes[..len]) {
                Ok(c) => out.extend(self.append(c)),
                Err(_) => return Err(self.break_at(self.received())),
            }
        }
        let valid = match std::str::from_utf8(chunk) {
            Ok(text) => text,
            Err(e) if e.error_len().is_some() => {
                return Err(self.break_at(self.received() + e.valid_up_to()));
            }
            Err(e) => {
                let (text, rest) = chunk.split_at(e.valid_up_to());
                self.partial[..rest.len()].copy_from_slice(rest);
                self.partial_len = rest.len();
                // `valid_up_to` is where the cut character starts: what precedes is UTF-8.
                std::str::from_utf8(text).unwrap_or_default()
            }
        };
        out.extend(self.append(valid));
        Ok(out)
    }

    /// Ends the text: scans what is left and returns the last entities.
    pub fn finish(mut self) -> Result<Vec<Entity>, StreamError> {
        if self.partial_len > 0 {
            self.broken.get_or_insert(self.offset + self.buf.len());
        }
        if let Some(offset) = self.broken {
            return Err(StreamError::InvalidUtf8 { offset });
        }
        let mut out = Vec::new();
        self.run(true, &mut out);
        Ok(out)
    }

    /// Bytes received so far, a cut character's included.
    fn received(&self) -> usize {
        self.offset + self.buf.len() + self.partial_len
    }

    fn break_at(&mut self, offset: usize) -> StreamError {
        let offset = *self.broken.get_or_insert(offset);
        StreamError::InvalidUtf8 { offset }
    }

    fn append(&mut self, text: &str) -> Vec<Entity> {
        let mut out = Vec::new();
        if self.broken.is_some() || self.done {
            return out;
        }
        if self.head > 0 && self.head >= self.buf.len() - self.head {
            self.buf.drain(..self.head);
            self.offset += self.head;
            self.head = 0;
        }
        self.buf.push_str(text);
        self.run(false, &mut out);
        out
    }

    /// Scans every window the buffer holds; at the end of the text, the rest too.
    fn run(&mut self, at_end: bool, out: &mut Vec<Entity>) {
        while !self.done {
            let ahead = self.buf.len() - self.head;
            let last = at_end && ahead <= self.span;
            if !last && ahead <= self.span {
                return;
            }
            let end = if last {
                self.buf.len()
            } else {
                floor_char_boundary(&self.buf, self.head + self.span)
            };
            let window = Window {
                text: &self.buf[self.head..end],
                base: self.offset + self.head,
                resume: self.resume,
                last,
                may_grow: self.span < self.window.saturating_mul(MAX_GROWTH),
            };
            match self.detector.scan_window(&window, &self.opts, out) {
                Step::Done => self.done = true,
                Step::Resume(next) => {
                    self.resume = next;
                    self.span = self.window;
                    let local = window_start(&self.buf, next - self.offset);
                    self.head = local.max(self.head);
                }
                Step::Grow => self.span = self.span.saturating_mul(2),
            }
        }
    }
}

/// Where the window that resumes reporting at `resume` starts: its look-behind earlier.
fn window_start(text: &str, resume: usize) -> usize {
    floor_char_boundary(text, resume.saturating_sub(LOOK_BEHIND))
}

/// The last character boundary at or before `at` (the end of `text` past it).
fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    // A UTF-8 character is at most 4 bytes, so a boundary is at most 3 bytes back.
    (at.saturating_sub(3)..=at)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// The last line break after `from` and before `exact`, where the next window may resume.
fn last_line_break(bytes: &[u8], from: usize, exact: usize) -> Option<usize> {
    let after = from + 1;
    if after >= exact {
        return None;
    }
    bytes[after..exact]
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|i| after + i)
}

/// Where to cut a line too long for any window: after the last value found (where the scan is
/// most likely in the same state as the whole text's), else at the last space, else at the
/// last character boundary; always after `from`, so the stream moves on.
fn forced_cut(text: &str, from: usize, exact: usize, hits: &[Hit]) -> usize {
    if let Some(h) = hits
        .iter()
        .rev()
        .find(|h| h.start >= from && h.end <= exact)
    {
        return h.end;
    }
    let bytes = text.as_bytes();
    if let Some(i) = bytes[from + 1..exact]
        .iter()
        .rposition(u8::is_ascii_whitespace)
    {
        return from + 1 + i;
    }
    floor_char_boundary(text, exact).max(from + 1)
}

fn shifted(h: Hit, by: usize) -> Hit {
    Hit {
        start: h.start + by,
        end: h.end + by,
        ..h
    }
}

/// Length of the UTF-8 sequence that `lead` starts (1 for a byte that starts none: the decoder
/// then says what is wrong).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EntityType;

    fn whole(text: &str) -> Vec<Entity> {
        Detector::shared()
            .detect_text(text, &DetectOptions::default())
            .unwrap()
    }

    fn streamed(text: &str, window: usize, chunk: usize) -> Vec<Entity> {
        let mut s = Detector::shared()
            .stream(DetectOptions::default())
            .with_window(window);
        let mut out = Vec::new();
        for piece in text.as_bytes().chunks(chunk) {
            out.extend(s.push_bytes(piece).unwrap());
        }
        out.extend(s.finish().unwrap());
        out
    }

    fn log(lines: usize) -> String {
        (0..lines)
            .map(|i| {
                format!(
                    "2024-05-01T10:{:02}:00Z user jane.doe{i}@example.com from 10.0.{}.{} SSN 123-45-{:04}\n",
                    i % 60,
                    i % 250,
                    i % 200 + 1,
                    1000 + i % 9000
                )
            })
            .collect()
    }

    #[test]
    fn windows_over_lines_report_what_the_whole_text_gives() {
        let text = log(600);
        assert!(text.len() > 3 * MIN_WINDOW);
        let expected = whole(&text);
        assert_eq!(expected.len(), 3 * 600, "{:?}", &expected[..6]);
        for chunk in [1, 7, 4096, text.len()] {
            assert_eq!(
                streamed(&text, MIN_WINDOW, chunk),
                expected,
                "chunks of {chunk}"
            );
        }
    }

    #[test]
    fn a_line_longer_than_the_windows_is_cut_after_a_value_and_still_moves_on() {
        let text = log(1200).replace('\n', " ");
        let expected = whole(&text);
        assert_eq!(streamed(&text, MIN_WINDOW, 5000), expected);
        let plain = "lorem ipsum dolor sit amet ".repeat(5000);
        assert!(streamed(&plain, MIN_WINDOW, 333).is_empty());
        let unbroken = "x".repeat(5 * MIN_WINDOW);
        assert!(streamed(&unbroken, MIN_WINDOW, 1000).is_empty());
    }

    #[test]
    fn the_large_text_path_finds_each_value_of_many_windows_once() {
        let text = log(40_000);
        assert!(text.len() > 3 * DEFAULT_WINDOW);
        let found = Detector::shared().detect_large_text(&text, &DetectOptions::default());
        assert_eq!(found.len(), 3 * 40_000);
        assert!(found.windows(2).all(|w| w[0].end <= w[1].start));
        let emails = found
            .iter()
            .filter(|e| e.entity_type == EntityType::Email)
            .count();
        assert_eq!(emails, 40_000);
    }

    #[test]
    fn no_value_is_longer_than_the_look_ahead_assumes() {
        let url = format!("https://example.com/{}", "a".repeat(3 * MAX_CANDIDATE));
        let found = whole(&url);
        assert_eq!(found.len(), 1);
        assert!(found[0].len() <= MAX_CANDIDATE, "{}", found[0].len());
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused_with_their_offset() {
        let mut s = Detector::shared().stream(DetectOptions::default());
        assert!(s.push_bytes(b"abc \xC3").unwrap().is_empty());
        assert_eq!(
            s.push_bytes(b"( x"),
            Err(StreamError::InvalidUtf8 { offset: 4 })
        );
        let mut s = Detector::shared().stream(DetectOptions::default());
        s.push_bytes("mail é".as_bytes()).unwrap();
        s.push_bytes(&"日".as_bytes()[..2]).unwrap();
        assert_eq!(s.finish(), Err(StreamError::InvalidUtf8 { offset: 7 }));
    }
}
