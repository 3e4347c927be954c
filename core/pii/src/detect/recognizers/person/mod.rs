//! People's names, without a model, in any Latin-script language. One pass over the text
//! looks only at capitalized words: each run of words written like a name (see [`word`]) is
//! split where a title, a suffix, a common word or a place word stands, and each piece is
//! weighed on what the name lists say of its first and last words ([`fold`]: accents folded)
//! and on the words right next to it ([`cue`]). The span is the name alone: titles, degrees
//! and generational suffixes are context around it.
//!
//! A name never seen in any list is found when a cue says so (`payee Zorvath Quenby`); two
//! capitalized words with no list support and no cue are not (`Visual Studio`), and common
//! words, places and organizations next to a run reject it.

mod cue;
mod fold;
mod lists;
mod word;

use cue::Cue;
use word::Shape;

use crate::EntityType;
use crate::detect::context::kind;
use crate::detect::names::{NameClass, Names};
use crate::detect::scan::{Hit, Scan};

/// Words of one run looked at; a longer run (a title-cased heading) goes on as a new run.
const MAX_RUN: usize = 10;

/// Most name words in one name (`José María Fernández Ortega`).
const MAX_NAME_WORDS: usize = 4;

#[derive(Debug, Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
    shape: Shape,
    class: NameClass,
}

impl Token {
    /// A word a name may be made of (not a common word, place or organization).
    fn is_name(&self) -> bool {
        self.shape == Shape::Name && !self.class.common && !self.class.org_place
    }

    /// Inside a name's span: name words, initials and particles.
    fn is_material(&self) -> bool {
        self.is_name() || matches!(self.shape, Shape::Initial | Shape::Particle)
    }
}

/// Appends every name in the text scoring at least `min_score`, in order. `capitals` are the
/// places where a capitalized word may start, in order (from the pre-scan).
pub(crate) fn find(scan: &Scan<'_>, capitals: &[usize], min_score: f32, out: &mut Vec<Hit>) {
    let mut run = [Token {
        start: 0,
        end: 0,
        shape: Shape::Name,
        class: NameClass::default(),
    }; MAX_RUN];
    let mut covered = 0;
    for &i in capitals {
        if i < covered || inside_word(scan.text, i) {
            continue;
        }
        let (n, end) = read_run(scan, i, &mut run);
        weigh_run(scan, &run[..n], min_score, out);
        covered = end.max(i + 1);
    }
}

/// Whether the character before `at` glues it to a word or token (`x.Smith`, `id_Name`).
fn inside_word(text: &str, at: usize) -> bool {
    text.get(..at)
        .and_then(|s| s.chars().next_back())
        .is_some_and(|c| {
            c.is_alphanumeric() || matches!(c, '_' | '-' | '\'' | '’' | '@' | '/' | '\\' | '#')
        })
}

/// Reads the run of words that starts at `start` into `run`: how many, and where the run
/// ends. Words are one space apart; a suffix ends the run.
fn read_run(scan: &Scan<'_>, start: usize, run: &mut [Token; MAX_RUN]) -> (usize, usize) {
    let mut n = 0;
    let mut at = start;
    let mut end = start;
    while n < MAX_RUN {
        let Some(mut w) = word::read(scan.text, at) else {
            break;
        };
        if w.shape == Shape::Capitals {
            // a surname in capitals only right after a name word (`Claire DUBOIS`)
            if n == 0 || run[n - 1].shape != Shape::Name {
                break;
            }
            w.shape = Shape::Name;
        }
        let mut class = NameClass::default();
        if w.shape == Shape::Name {
            let text = scan.slice(at, w.end);
            class = fold::classify(scan.names, text);
            // `Ángel` is no English word the way `Angel` is
            class.ambiguous &= text.is_ascii();
        }
        run[n] = Token {
            start: at,
            end: w.end,
            shape: w.shape,
            class,
        };
        n += 1;
        end = w.end;
        let next = scan.byte_at(w.end + 1);
        if w.shape == Shape::Suffix
            || scan.byte_at(w.end) != Some(b' ')
            || !next.is_some_and(|b| b.is_ascii_alphabetic() || b >= 0xC3)
        {
            break;
        }
        at = w.end + 1;
    }
    (n, end)
}

/// Finds the names in one run: each stretch of name material between titles, suffixes,
/// common words and places is weighed. After a title or a strong cue, a listed name that is
/// also a common or place word belongs to the stretch (`Customer Angela Read`, `Patient Gordon
/// West`, `Dr. Jesus Holmes`).
fn weigh_run(scan: &Scan<'_>, run: &[Token], min_score: f32, out: &mut Vec<Hit>) {
    let field = scan.field_kinds & kind::PERSON != 0;
    let listed = |t: &Token| t.shape == Shape::Name && (t.class.first || t.class.last);
    let mut s = 0;
    while s < run.len() {
        if !(run[s].is_material() || listed(&run[s])) {
            s += 1;
            continue;
        }
        let titled = s > 0 && run[s - 1].shape == Shape::Title;
        let cue_left = if titled || field {
            Cue::Strong
        } else {
            cue::before(scan.bytes, run[s].start)
        };
        let strong = cue_left == Cue::Strong;
        let belongs = |t: &Token| t.is_material() || strong && listed(t);
        if !belongs(&run[s]) {
            s += 1;
            continue;
        }
        let mut e = s;
        while e < run.len() && belongs(&run[e]) {
            e += 1;
        }
        let beside_place = |t: Option<&Token>| t.is_some_and(|t| t.class.org_place);
        let place =
            beside_place(s.checked_sub(1).and_then(|p| run.get(p))) || beside_place(run.get(e));
        if !place
            && let Some(hit) = best_name(scan, run, (s, e), cue_left, strong)
            && hit.score >= min_score
            && !(e == run.len() && place_follows(scan, run[e - 1].end))
        {
            out.push(hit);
        }
        s = e;
    }
}

/// The best-scoring name inside `run[s..e]`, if any. A strong cue on either side makes the
/// whole stretch the name; otherwise every sub-span is weighed.
fn best_name(
    scan: &Scan<'_>,
    run: &[Token],
    (s, e): (usize, usize),
    cue_left: Cue,
    lenient: bool,
) -> Option<Hit> {
    let titled = s > 0 && run[s - 1].shape == Shape::Title;
    let suffixed = run.get(e).is_some_and(|t| t.shape == Shape::Suffix);
    let word = |t: &Token| t.is_name() || lenient && t.shape == Shape::Name;
    let first = (s..e).find(|&i| word(&run[i]) || run[i].shape == Shape::Initial)?;
    let last = (first..e).rev().find(|&j| word(&run[j]))?;
    let cue_right = if last + 1 < e {
        Cue::None
    } else if suffixed {
        Cue::Strong
    } else {
        cue::after(scan.bytes, run[last].end)
    };
    let words = run[first..=last].iter().filter(|t| word(t)).count();
    if place_with_particle(run, first) {
        return None;
    }
    if (cue_left == Cue::Strong && first == s || cue_right == Cue::Strong)
        && (1..=MAX_NAME_WORDS).contains(&words)
    {
        let mut score = evidence(&run[first..=last], titled && first == s, lenient) + 0.4;
        if words >= 2 {
            score = score.max(0.6);
        }
        return Some(Hit::new(
            EntityType::Person,
            run[first].start,
            run[last].end,
            score,
        ));
    }
    let mut best: Option<Hit> = None;
    for i in first..=last {
        if !(word(&run[i]) || run[i].shape == Shape::Initial) || place_with_particle(run, i) {
            continue;
        }
        let mut words = 0;
        for j in i..=last {
            if !word(&run[j]) {
                continue;
            }
            words += 1;
            if words > MAX_NAME_WORDS {
                break;
            }
            let before = if i == first { cue_left } else { Cue::None };
            let after = if j == last { cue_right } else { Cue::None };
            let mut score = evidence(&run[i..=j], titled && i == s, lenient);
            score += match before.max(after) {
                Cue::Strong => 0.4,
                Cue::Weak => 0.15,
                Cue::None => 0.0,
            };
            // A name does not stop short of a capitalized word that goes on with it, nor start
            // after one.
            if j < last {
                score -= 0.3;
            }
            if i > first {
                score -= 0.3;
            }
            let hit = Hit::new(EntityType::Person, run[i].start, run[j].end, score);
            if best.is_none_or(|b| {
                hit.score > b.score || hit.score == b.score && hit.end - hit.start > b.end - b.start
            }) {
                best = Some(hit);
            }
        }
    }
    best
}

/// Whether the span starting at `run[i]` is a place written with a particle (`Rio de Janeiro`).
fn place_with_particle(run: &[Token], i: usize) -> bool {
    run[i].class.place_before_particle && run.get(i + 1).is_some_and(|t| t.shape == Shape::Particle)
}

/// What the words themselves say (before any cue): the name lists on the first and last name
/// words, a title before them, initials among them.
fn evidence(span: &[Token], titled: bool, lenient: bool) -> f32 {
    let mut names = span
        .iter()
        .filter(|t| t.is_name() || lenient && t.shape == Shape::Name)
        .map(|t| t.class);
    let Some(first) = names.next() else {
        return 0.0;
    };
    let middle: Vec<NameClass> = names.collect();
    let initials = span.iter().any(|t| t.shape == Shape::Initial);
    let known = |c: &NameClass| c.first && !c.ambiguous || c.last;
    let Some((&last, middle)) = middle.split_last() else {
        // One word: a name after a title ("Mr. O'Brien"), or a known one after an initial.
        return if titled {
            if known(&first) { 0.8 } else { 0.6 }
        } else if initials && first.last {
            0.45
        } else if first.last || first.first && !first.ambiguous {
            0.15
        } else {
            0.0
        };
    };
    if titled {
        return if known(&first) || known(&last) {
            0.9
        } else {
            0.75
        };
    }
    let first_known = first.first && !first.ambiguous;
    let mut score: f32 = match (first_known, last.last) {
        (true, true) => 0.7,
        (true, false) if last.first => 0.5,
        (true, false) => 0.45,
        (false, true) if first.ambiguous => 0.3,
        (false, true) => 0.4,
        (false, false) if first.ambiguous => 0.1,
        (false, false) => 0.2,
    };
    score -= 0.05 * middle.iter().filter(|c| !(c.first || c.last)).count() as f32;
    if initials {
        score += 0.05;
    }
    // `Ludwig van Beethoven`, `Michel de la Durand`: a particle between capitalized words is
    // how names are written (places that do it too are on the place list: `Rio de Janeiro`)
    if span.iter().any(|t| t.shape == Shape::Particle) {
        score += 0.2;
    }
    score
}

/// Whether a place or organization word follows the run after a space ("Smith LLC", where the
/// all-caps word ended the run).
fn place_follows(scan: &Scan<'_>, end: usize) -> bool {
    let rest = scan.text.get(end..).unwrap_or("");
    let Some(rest) = rest.strip_prefix(' ') else {
        return false;
    };
    let word = rest
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    !word.is_empty() && word.len() <= 12 && scan.names.classify(word).org_place
}

/// A record field whose name says "name" and whose whole value is one: `{"full_name":
/// "Hanne-Lore Schäfer"}`, `{"first_name": "Maria"}`.
pub(crate) fn whole_value(names: &Names, text: &str, kinds: u32) -> Option<Hit> {
    if kinds & kind::PERSON == 0 || text.len() > 80 {
        return None;
    }
    let trimmed = text.trim();
    let start = text.len() - text.trim_start().len();
    let mut known = 0;
    let mut words = 0;
    let mut at = start;
    let end = start + trimmed.len();
    while at < end {
        let w = word::read(text, at)?;
        match w.shape {
            Shape::Name => {
                let class = fold::classify(names, &text[at..w.end]);
                if class.common || class.org_place {
                    return None;
                }
                known += usize::from(class.first || class.last);
                words += 1;
            }
            Shape::Particle | Shape::Initial if at > start => {}
            _ => return None,
        }
        at = w.end;
        if at < end {
            at += usize::from(text.as_bytes().get(at) == Some(&b' '));
            if text.as_bytes().get(at) == Some(&b' ') || at == w.end {
                return None;
            }
        }
    }
    // The field's name is the cue: a name no list knows is still a name there (`Ørsted`).
    match words {
        1..=MAX_NAME_WORDS => Some(Hit::new(
            EntityType::Person,
            start,
            end,
            if known > 0 { 0.85 } else { 0.7 },
        )),
        _ => None,
    }
}
