//! The words a name is written with, in any Latin-script language: a capital (any Unicode
//! upper-case letter) and lower-case letters, with hyphens and apostrophes inside
//! (`Hanne-Lore`, `O'Connor`, `N’Golo`) and one capital early inside (`McDonald`, `DiCaprio`);
//! the particles that may sit between them (`de la`, `van der`); and the titles, initials,
//! generational suffixes and degrees around them, which are context and never part of a span.

use super::lists::{is_degree, is_generational, is_particle, is_title};

/// What one word of a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `Dr.`, `Mrs`, `Herr`: introduces a name.
    Title,
    /// `F.`: a middle (or leading) initial.
    Initial,
    /// `van`, `de`, `della`: only between name words.
    Particle,
    /// `Jr.`, `III`, `PhD`, `MBA`: ends a name, outside its span.
    Suffix,
    /// A word written like a name.
    Name,
    /// A word in capitals: a surname after a name word (`Claire DUBOIS`), else nothing.
    Capitals,
}

/// A word read at some position: its shape and where it ends (a title's or an initial's dot
/// included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Word {
    pub shape: Shape,
    pub end: usize,
}

/// Longest name word looked at, in bytes (`Wolfeschlegelsteinhausen` fits).
const MAX_WORD: usize = 40;

/// Reads the word that starts at `at` (a character boundary), if it is one a name can be
/// written with or around.
pub(crate) fn read(text: &str, at: usize) -> Option<Word> {
    let rest = text.get(at..)?;
    let counted = ascii_letters(rest).or_else(|| letters(rest))?;
    finish(rest, at, &counted)
}

/// The letters a word starts with, counted.
struct Letters {
    /// Bytes of the word.
    end: usize,
    letters: usize,
    uppers: usize,
    /// Where the last upper-case letter that no hyphen or apostrophe explains is.
    inner_upper: Option<usize>,
    /// How many such letters there are.
    inner_capitals: usize,
    first_upper: bool,
}

/// The common case read a byte at a time: ASCII letters ended by an ASCII byte that joins
/// nothing (not a hyphen or an apostrophe). `None` sends the word to [`letters`].
fn ascii_letters(rest: &str) -> Option<Letters> {
    let bytes = rest.as_bytes();
    let end = bytes
        .iter()
        .position(|b| !b.is_ascii_alphabetic())
        .unwrap_or(bytes.len());
    if end == 0
        || end > MAX_WORD
        || bytes
            .get(end)
            .is_some_and(|b| *b >= 0x80 || matches!(b, b'-' | b'\''))
    {
        return None;
    }
    let word = &bytes[..end];
    let inner = word[1..].iter().filter(|b| b.is_ascii_uppercase()).count();
    Some(Letters {
        end,
        letters: end,
        uppers: inner + usize::from(word[0].is_ascii_uppercase()),
        inner_upper: word[1..]
            .iter()
            .rposition(u8::is_ascii_uppercase)
            .map(|i| i + 1),
        inner_capitals: inner,
        first_upper: word[0].is_ascii_uppercase(),
    })
}

/// Any word: Unicode letters, combining marks, hyphens and apostrophes inside.
fn letters(rest: &str) -> Option<Letters> {
    let mut chars = rest.char_indices().peekable();
    let (_, first) = chars.next()?;
    if !first.is_alphabetic() {
        return None;
    }
    let mut end = first.len_utf8();
    let mut letters = 1usize;
    let mut uppers = usize::from(first.is_uppercase());
    // An upper-case letter past the first that no hyphen or apostrophe explains, and where.
    let mut inner_upper: Option<usize> = None;
    let mut inner_capitals = 0usize;
    let mut joined = false;
    while let Some(&(i, c)) = chars.peek() {
        if c.is_alphabetic() {
            if c.is_uppercase() {
                uppers += 1;
                if !joined {
                    inner_capitals += 1;
                    inner_upper = Some(letters);
                }
            }
            joined = false;
            letters += 1;
            end = i + c.len_utf8();
            chars.next();
        } else if is_combining_mark(c) {
            // a decomposed accent (`e` + U+0301) belongs to its letter
            end = i + c.len_utf8();
            chars.next();
        } else if matches!(c, '-' | '\'' | '’') {
            // joins two parts only when a letter follows, and an apostrophe not before a
            // contraction or possessive (`Rossi's`, `I'm`, `O'Neill` is one word)
            if c != '-' && contraction(&rest[i + c.len_utf8()..]) {
                break;
            }
            chars.next();
            match chars.peek() {
                Some(&(_, next)) if next.is_alphabetic() && !joined => joined = true,
                _ => break,
            }
        } else {
            break;
        }
        if end > MAX_WORD {
            return None;
        }
    }
    Some(Letters {
        end,
        letters,
        uppers,
        inner_upper,
        inner_capitals,
        first_upper: first.is_uppercase(),
    })
}

/// What the word read is, from its letters and the byte after it.
fn finish(rest: &str, at: usize, counted: &Letters) -> Option<Word> {
    let &Letters {
        end,
        letters,
        uppers,
        inner_upper,
        inner_capitals,
        first_upper,
    } = counted;
    let word = &rest[..end];
    // `IPv6`, `user_id`, `Smith@x`, `Smith.com`: part of a token, not a word of prose.
    let after = rest.as_bytes().get(end..).unwrap_or_default();
    let glued = match after {
        [b'.', b, ..] => b.is_ascii_alphanumeric(),
        [b, ..] => b.is_ascii_alphanumeric() || matches!(b, b'_' | b'@' | b'/'),
        [] => false,
    };
    if glued {
        return None;
    }
    let dot = after.first() == Some(&b'.');
    if is_title(word) {
        return Some(Word {
            shape: Shape::Title,
            end: at + end + usize::from(dot),
        });
    }
    if letters == 1 {
        return (first_upper && dot).then_some(Word {
            shape: Shape::Initial,
            end: at + end + 1,
        });
    }
    if is_generational(word) || is_degree(word) {
        return Some(Word {
            shape: Shape::Suffix,
            end: at + end + usize::from(dot && is_generational(word)),
        });
    }
    if !first_upper {
        return (is_particle(word) || glued_particle(word)).then_some(Word {
            shape: if is_particle(word) {
                Shape::Particle
            } else {
                Shape::Name
            },
            end: at + end,
        });
    }
    // All capitals (`SSN`, `DUBOIS`) is an acronym or a surname written the French way: the run
    // decides. A capital deep inside (`JavaScript`) is a product; one early (`McDonald`,
    // `DiCaprio`, `LeBlanc`) a name.
    if uppers == letters {
        return Some(Word {
            shape: Shape::Capitals,
            end: at + end,
        });
    }
    // two unexplained capitals: CamelCase
    if inner_capitals > 1 || inner_upper.is_some_and(|i| !(2..=3).contains(&i)) {
        return None;
    }
    Some(Word {
        shape: Shape::Name,
        end: at + end,
    })
}

/// Whether what follows an apostrophe is a contraction or a possessive: `s`, `m`, `d`, `ll`,
/// `re`, `ve`, `t` and then no more letters.
fn contraction(tail: &str) -> bool {
    let letters = tail.chars().take_while(|c| c.is_alphabetic()).count();
    let word: String = tail.chars().take(letters.min(3)).collect();
    letters <= 2
        && matches!(
            word.as_str(),
            "s" | "S" | "m" | "d" | "ll" | "re" | "ve" | "t"
        )
}

/// Combining diacritical marks (U+0300–U+036F): how text in decomposed form writes accents.
fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// A lower-case particle glued to a capitalized name: `al-Farsi`, `d'Angelo`, `l'Ouverture`.
fn glued_particle(word: &str) -> bool {
    let Some(split) = word.find(['-', '\'', '’']) else {
        return false;
    };
    let (head, tail) = word.split_at(split);
    let tail = tail.trim_start_matches(['-', '\'', '’']);
    matches!(
        head,
        "al" | "el" | "d" | "l" | "da" | "de" | "del" | "di" | "ibn" | "bin"
    ) && tail.chars().next().is_some_and(char::is_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> Option<(Shape, &str)> {
        read(text, 0).map(|w| (w.shape, &text[..w.end]))
    }

    #[test]
    fn names_in_any_latin_script_language_are_name_words() {
        for name in [
            "Adèle",
            "Schäfer",
            "Lévêque",
            "Hanne-Lore",
            "O'Connor",
            "N’Golo",
            "McDonald",
            "DiCaprio",
            "Øyvind",
            "Łukasz",
            "Ng",
            "Íñigo",
            "Çelik",
            "Zoë",
        ] {
            assert_eq!(shape(name), Some((Shape::Name, name)), "{name}");
        }
    }

    #[test]
    fn a_name_word_ends_at_punctuation_and_at_a_dangling_hyphen() {
        assert_eq!(shape("Catalá;"), Some((Shape::Name, "Catalá")));
        assert_eq!(shape("Smith-"), Some((Shape::Name, "Smith")));
        assert_eq!(shape("Smith's"), Some((Shape::Name, "Smith")));
        assert_eq!(shape("Ribeiro’s"), Some((Shape::Name, "Ribeiro")));
        assert_eq!(shape("I'm"), None);
        assert_eq!(shape("Ame\u{301}lie"), Some((Shape::Name, "Ame\u{301}lie")));
        assert_eq!(shape("Rossi, MBA"), Some((Shape::Name, "Rossi")));
    }

    #[test]
    fn acronyms_camel_case_and_digits_are_not_name_words() {
        assert_eq!(shape("SSN"), Some((Shape::Capitals, "SSN")));
        assert_eq!(shape("DUBOIS."), Some((Shape::Capitals, "DUBOIS")));
        assert_eq!(shape("AbstractSingletonProxy"), None);
        assert_eq!(shape("JavaScript"), None);
        assert_eq!(shape("IPv6"), None);
        assert_eq!(shape("IPhone"), None);
        assert_eq!(shape("Smith.com"), None);
        assert_eq!(shape("1st"), None);
        assert_eq!(shape("a"), None);
    }

    #[test]
    fn titles_initials_particles_and_suffixes_are_told_apart() {
        assert_eq!(shape("Dr. X"), Some((Shape::Title, "Dr.")));
        assert_eq!(shape("Herr X"), Some((Shape::Title, "Herr")));
        assert_eq!(shape("F. Kennedy"), Some((Shape::Initial, "F.")));
        assert_eq!(shape("van der"), Some((Shape::Particle, "van")));
        assert_eq!(shape("al-Farsi"), Some((Shape::Name, "al-Farsi")));
        assert_eq!(shape("Jr."), Some((Shape::Suffix, "Jr.")));
        assert_eq!(shape("PhD"), Some((Shape::Suffix, "PhD")));
        assert_eq!(shape("the"), None);
    }
}
