//! People's names, without any model: a run of capitalized words is a name when its first word
//! is a known first name and its last a known surname (US Census lists), or when a title
//! ("Mr.", "Dr.") introduces it; context words ("Customer", "Dear", "wrote") raise the score.
//! Precision first: ordinary words, places and organizations next to the run reject it.

use crate::EntityType;
use crate::detect::context::kind;
use crate::detect::names::{NameClass, SUFFIXES, TITLES};
use crate::detect::scan::{Hit, Scan};

pub(crate) fn pattern() -> String {
    let title = format!("(?:{})\\.?", TITLES.join("|"));
    let name = r"(?:[A-Z]'[A-Z][a-z]+|[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:[\-'][A-Z][a-z]+)?)\b";
    let initial = r"[A-Z]\.";
    let particle = r"(?:van|von|de|del|della|da|di|du|der|den|la|le|bin|ibn|al)";
    let suffix = r"(?:(?:Jr|Sr|Esq)\.?|(?:II|III|IV|MD|PhD|DDS|DVM|RN|CPA|JD|MBA)\b)";
    let sp = r"[ \t]+";
    format!(
        // At most eight words: a name is shorter, and a bound keeps each search short on long
        // title-cased runs.
        r"\b(?:{title}{sp}{name}|{name}{sp}(?:{name}|{initial}))(?:{sp}(?:{name}|{initial}|(?:{particle}{sp}){{1,2}}{name})){{0,6}}(?:,?{sp}{suffix})?"
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Title,
    Initial,
    Particle,
    Suffix,
    Word(NameClass),
}

pub(crate) fn classify(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let run = scan.slice(start, end);
    // A name has a handful of words; a longer run (a title-cased heading) is only looked at
    // up to MAX_TOKENS words.
    let mut buf = [(0, 0, Tok::Particle); MAX_TOKENS];
    let mut n = 0;
    let mut i = 0;
    for word in run.split([' ', '\t']) {
        if n == MAX_TOKENS {
            break;
        }
        if !word.is_empty() {
            let (s, e) = (start + i, start + i + word.len());
            buf[n] = (s, e, token(scan, word, n == 0));
            n += 1;
        }
        i += word.len() + 1;
    }
    let toks = &mut buf[..n];
    // Extend a suffix abbreviation to its dot ("Jr" + ".").
    if let Some(last) = toks.last_mut()
        && last.2 == Tok::Suffix
        && matches!(
            scan.slice(last.0, last.1).trim_end_matches(','),
            "Jr" | "Sr" | "Esq"
        )
        && scan.byte_at(last.1) == Some(b'.')
    {
        last.1 += 1;
    }
    best_name(scan, toks)
}

const MAX_TOKENS: usize = 12;

fn token(scan: &Scan<'_>, word: &str, first: bool) -> Tok {
    let bare = word.trim_end_matches([',', '.']);
    if TITLES.contains(&bare) {
        return Tok::Title;
    }
    if word.len() == 2 && word.ends_with('.') {
        return Tok::Initial;
    }
    if !first && SUFFIXES.contains(&bare) {
        return Tok::Suffix;
    }
    if bare.bytes().next().is_some_and(|b| b.is_ascii_lowercase()) {
        return Tok::Particle;
    }
    // Hyphenated and apostrophe names: the last part decides surnames, the first part first names.
    let class = scan.names.classify(bare);
    let glued = || {
        // O'Brien is OBRIEN in the census lists
        let mut buf = [0u8; 24];
        let mut n = 0;
        for b in bare.bytes().filter(|&b| b != b'\'') {
            *buf.get_mut(n)? = b;
            n += 1;
        }
        let c = scan.names.classify(std::str::from_utf8(&buf[..n]).ok()?);
        (c.first || c.last).then_some(c)
    };
    let class = if class.first || class.last || class.common || class.org_place {
        class
    } else if let Some(c) = bare.contains('\'').then(glued).flatten() {
        c
    } else if let Some((a, b)) = bare.split_once(['-', '\'']) {
        let (ca, cb) = (scan.names.classify(a), scan.names.classify(b));
        NameClass {
            first: ca.first,
            last: cb.last || ca.last,
            ambiguous: ca.ambiguous,
            org_place: ca.org_place || cb.org_place,
            common: ca.common && cb.common,
        }
    } else {
        class
    };
    Tok::Word(class)
}

/// The best-scoring name inside the run of tokens, if any reaches a useful score: every span
/// that starts at a title or a known first name and ends at a word or a suffix is weighed.
fn best_name(scan: &Scan<'_>, toks: &[(usize, usize, Tok)]) -> Option<Hit> {
    let mut best: Option<Hit> = None;
    for i in 0..toks.len() {
        let titled = toks[i].2 == Tok::Title;
        let mut words = Words::default();
        match toks[i].2 {
            Tok::Title => {}
            Tok::Word(c) if !c.common && !c.org_place => words.push(c),
            _ => continue,
        }
        let mut initials = 0;
        let mut j = i;
        loop {
            let suffix = toks[j].2 == Tok::Suffix;
            if (suffix || matches!(toks[j].2, Tok::Word(_)))
                && let Some(score) = score(titled, words.as_slice(), initials, suffix)
                && let Some(hit) = weigh(scan, toks, i, j, score)
                && best.is_none_or(|b| {
                    hit.score > b.score
                        || hit.score == b.score && hit.end - hit.start > b.end - b.start
                })
            {
                best = Some(hit);
            }
            j += 1;
            if suffix || j >= toks.len() || words.len() > 3 {
                break;
            }
            match toks[j].2 {
                Tok::Word(c) if !c.common && !c.org_place => words.push(c),
                Tok::Initial => initials += 1,
                Tok::Particle | Tok::Suffix => {}
                _ => break,
            }
        }
    }
    best.filter(|h| h.score >= 0.35)
}

/// The hit for tokens `i..=j` with a base score: rejected next to a place or organization word
/// ("Jordan Smith Foundation", "Fort Collins"), raised by person context around it.
fn weigh(
    scan: &Scan<'_>,
    toks: &[(usize, usize, Tok)],
    i: usize,
    j: usize,
    score: f32,
) -> Option<Hit> {
    let next_is_org = toks
        .get(j + 1)
        .is_some_and(|t| matches!(t.2, Tok::Word(c) if c.org_place));
    let prev_is_org = i > 0 && matches!(toks[i - 1].2, Tok::Word(c) if c.org_place);
    if next_is_org || prev_is_org || following_org(scan, toks[j].1) {
        return None;
    }
    let (s, e) = (toks[i].0, toks[j].1);
    let before = scan.context_within(kind::PERSON, s, e, 32, 0);
    let after = scan.context_within(kind::PERSON_AFTER, s, e, 0, 12);
    Some(Hit::new(
        EntityType::Person,
        s,
        e,
        score + 0.2 * before.max(after),
    ))
}

/// Up to five name words (more is no name).
#[derive(Default)]
struct Words {
    buf: [NameClass; 5],
    len: usize,
}

impl Words {
    fn push(&mut self, c: NameClass) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = c;
            self.len += 1;
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn as_slice(&self) -> &[NameClass] {
        &self.buf[..self.len]
    }
}

/// Score of a name made of `words` (plus title, initials, suffix) before context.
fn score(titled: bool, words: &[NameClass], initials: usize, suffix: bool) -> Option<f32> {
    let extra = if suffix { 0.1 } else { 0.0 } + if initials > 0 { 0.05 } else { 0.0 };
    if titled {
        let known = words.iter().any(|w| w.first || w.last);
        return match words.len() {
            0 => None,
            // "Dr. Pepper" is a drink: an unknown word after a title is only just a name
            1..=3 => Some(if known { 0.9 } else { 0.55 } + extra),
            _ => None,
        };
    }
    let (first, last) = (words.first()?, words.last()?);
    if words.len() < 2 || words.len() > 3 {
        return None;
    }
    let middle_ok = words[1..words.len() - 1].iter().all(|w| w.first || w.last);
    let mut s: f32 = match (first.first, last.last, last.first) {
        (true, true, _) => 0.7,
        (true, false, true) => 0.5,
        // one known half: a name only with context around it ("registered to Connor Hall")
        (true, false, false) | (false, true, _) => 0.35,
        _ => return None,
    };
    if !middle_ok {
        s -= 0.2;
    }
    // "Grant Park", "April showers": such first names need a title, initial, suffix or context.
    if first.ambiguous {
        s -= 0.25;
    }
    Some(s + extra)
}

/// Whether an organization word follows the name after a space ("Smith Foundation" when the
/// pattern stopped the run at a lower-case or all-caps word, e.g. "Smith LLC").
fn following_org(scan: &Scan<'_>, end: usize) -> bool {
    let rest = scan.text.get(end..).unwrap_or("");
    let Some(rest) = rest.strip_prefix(' ') else {
        return false;
    };
    let word: &str = rest
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    !word.is_empty() && word.len() <= 12 && scan.names.classify(word).org_place
}
