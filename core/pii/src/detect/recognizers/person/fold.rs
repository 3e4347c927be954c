//! Name-list lookups for words in any Latin-script language: the lists are upper-case ASCII
//! (US Census), so a word is folded first (`Schäfer` → `SCHAFER`, `Łukasz` → `LUKASZ`), with
//! its hyphenated and apostrophe forms tried part by part (`O'Brien` is `OBRIEN`).

use crate::detect::names::{NameClass, Names};

/// Longest folded word looked up, in bytes; no listed name is longer.
const MAX_FOLDED: usize = 24;

/// How `word` (a name word, see `word::read`) relates to the name lists.
pub(crate) fn classify(names: &Names, word: &str) -> NameClass {
    if word.bytes().all(|b| b.is_ascii_alphabetic()) {
        return names.classify(word);
    }
    let mut buf = [0u8; MAX_FOLDED];
    let Some(folded) = fold(word, &mut buf) else {
        return NameClass::default();
    };
    let class = names.classify(folded);
    if class.first || class.last || class.common || class.org_place {
        return class;
    }
    if !folded.contains(['-', '\'']) {
        return class;
    }
    // O'Brien is OBRIEN in the lists
    let mut glued = [0u8; MAX_FOLDED];
    let mut n = 0;
    for b in folded.bytes().filter(|b| *b != b'\'') {
        glued[n] = b;
        n += 1;
    }
    if let Ok(glued) = std::str::from_utf8(&glued[..n]) {
        let c = names.classify(glued);
        if c.first || c.last {
            return c;
        }
    }
    // Hyphenated: the first part decides a first name, the last part a surname.
    let (Some(head), Some(tail)) = (
        folded.split(['-', '\'']).next(),
        folded.rsplit(['-', '\'']).next(),
    ) else {
        return class;
    };
    let (ch, ct) = (names.classify(head), names.classify(tail));
    NameClass {
        first: ch.first,
        last: ct.last || ch.last,
        ambiguous: ch.ambiguous,
        org_place: ch.org_place || ct.org_place,
        common: ch.common && ct.common,
        place_before_particle: false,
    }
}

/// `word` in upper-case ASCII in `buf`, accents and ligatures folded; hyphens and apostrophes
/// kept. `None` for a letter with no Latin reading or a word too long for any list.
fn fold<'b>(word: &str, buf: &'b mut [u8; MAX_FOLDED]) -> Option<&'b str> {
    let mut n = 0;
    let mut push = |b: u8, n: &mut usize| -> Option<()> {
        *buf.get_mut(*n)? = b;
        *n += 1;
        Some(())
    };
    for c in word.chars() {
        if c.is_ascii() {
            push(c.to_ascii_uppercase() as u8, &mut n)?;
        } else if c == '’' {
            push(b'\'', &mut n)?;
        } else {
            let ascii = deunicode::deunicode_char(c)?;
            for b in ascii.bytes() {
                if !b.is_ascii_alphabetic() {
                    return None;
                }
                push(b.to_ascii_uppercase(), &mut n)?;
            }
        }
    }
    std::str::from_utf8(&buf[..n]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accented_names_are_found_in_the_ascii_lists() {
        let names = Names::new();
        assert_eq!(classify(&names, "Schäfer"), classify(&names, "Schafer"));
        assert!(classify(&names, "José").first);
        assert!(classify(&names, "Peña").last);
        assert!(classify(&names, "O'Brien").last);
        assert!(classify(&names, "O’Brien").last);
        assert!(classify(&names, "Mary-Jane").first);
        assert!(classify(&names, "Smith-Jones").last);
        assert_eq!(classify(&names, "中村"), NameClass::default());
    }

    #[test]
    fn folding_spells_letters_out_in_ascii() {
        let mut buf = [0u8; MAX_FOLDED];
        assert_eq!(fold("Łukasz", &mut buf), Some("LUKASZ"));
        assert_eq!(fold("Øyvind", &mut buf), Some("OYVIND"));
        assert_eq!(fold("Straße", &mut buf), Some("STRASSE"));
        assert_eq!(fold("Wolfeschlegelsteinhausenbergerdorff", &mut buf), None);
    }
}
