//! Held-out PERSON texts, written apart from the dev corpus (other phrasings, other names, other
//! languages), for the PERSON recognizer that reads names the way people write them in any
//! Latin-script language.
//!
//! Span conventions (those of `shared/data/README.md`, plus one choice of ours):
//! - A PERSON span is the name alone: given name(s) and family name, with accents, hyphens,
//!   apostrophes (straight `'` or typographic `’`) and particles as written (`Pieter van der Berg`,
//!   `Omar al-Farsi`, `Seán O'Connor`).
//! - An honorific before the name (`Dr.`, `Prof. Dr.`, `Mrs.`, `Ms`, `Herr`, `Frau`, `Mme`, `Rev.`,
//!   `Dame`, Spanish `Sr.`/`Sra.`) and a degree after it (`MBA`, `PhD`, `MD`) are context, never
//!   part of the span: `Mr. O'Brien` gives `O'Brien`.
//! - Generational suffixes (`Jr.`, `III`) are left OUT of the span too, like degrees: the span is
//!   the name alone (`Samuel Whitaker Jr.` gives `Samuel Whitaker`).
//! - Middle names and middle initials are inside the span (`John F. Kennedy`); a possessive `'s`
//!   is not (`Maria Rossi's account` gives `Maria Rossi`).
//! - A lower-case particle is inside a span only between two name words; a capitalized particle
//!   starts a family name used alone (`Mr. Van Dyke` gives `Van Dyke`).
//!
//! Fairness: every name asserted here is either in the public-domain US Census lists (after
//! folding accents: `Adèle` is `ADELE`), or has at least one listed part next to name-shaped
//! words, or follows a context cue (`Dear`, `Name:`, `payee`, `it's`, `my name is`, `thanks,`,
//! `Regards,`, `Attn:`, `signed by`, `registered to`, `… wrote:`, a title). Names with no list hit
//! and no cue are not required. One text is in decomposed Unicode (NFD, as macOS file names and
//! some keyboards produce it): the combining accent belongs to its word.

use serde_json::{Value, json};

use super::heldout_support::expect;
use super::{DetectOptions, Detector};
use crate::EntityType::{self, *};

/// Checks one record: each entity as (field path, type, the field's text it covers).
fn expect_record(failures: &mut Vec<String>, record: &Value, want: &[(&str, EntityType, &str)]) {
    let entities = Detector::shared()
        .detect_record(record, &DetectOptions::default())
        .unwrap();
    let mut got = Vec::new();
    for e in entities {
        let field = e.field.clone().unwrap_or_default();
        let text = leaf(record, &field).unwrap_or_default();
        let value = text
            .get(e.start..e.end)
            .unwrap_or("<bad offsets>")
            .to_owned();
        got.push((field, e.entity_type, value));
    }
    let want: Vec<(String, EntityType, String)> = want
        .iter()
        .map(|(f, t, v)| ((*f).to_owned(), *t, (*v).to_owned()))
        .collect();
    if got != want {
        failures.push(format!("{record}\n   got {got:?}\n  want {want:?}"));
    }
}

/// The string at a dotted path of plain keys (`customer.first_name`), enough for these records.
fn leaf<'a>(record: &'a Value, path: &str) -> Option<&'a str> {
    path.split('.')
        .filter(|k| !k.is_empty())
        .try_fold(record, |v, k| v.get(k))?
        .as_str()
}

fn report(f: &[String]) {
    assert!(f.is_empty(), "{} mismatches:\n{}", f.len(), f.join("\n"));
}

#[test]
fn names_with_accents_and_non_ascii_letters_are_found_whole() {
    let mut f = Vec::new();
    expect(
        &mut f,
        "Adèle Lévêque joined the onboarding call late.",
        &[(Person, "Adèle Lévêque")],
    );
    expect(
        &mut f,
        "The keys were returned by Zoë Ørsted on her last day.",
        &[(Person, "Zoë Ørsted")],
    );
    expect(
        &mut f,
        "Ask José María Ortega about the reimbursement.",
        &[(Person, "José María Ortega")],
    );
    expect(
        &mut f,
        "Íñigo Martínez has moved to the Bilbao office.",
        &[(Person, "Íñigo Martínez")],
    );
    expect(
        &mut f,
        "We forwarded the complaint to Élodie Girard in accounting.",
        &[(Person, "Élodie Girard")],
    );
    expect(
        &mut f,
        "Ángel Domínguez is out until the end of the month.",
        &[(Person, "Ángel Domínguez")],
    );
    expect(
        &mut f,
        "Dear Ólafur Sigurðsson,\nyour membership has been renewed.",
        &[(Person, "Ólafur Sigurðsson")],
    );
    expect(
        &mut f,
        "Attn: Emre Çelik, procurement",
        &[(Person, "Emre Çelik")],
    );
    expect(
        &mut f,
        "The invoice was addressed to Małgorzata Nowak.",
        &[(Person, "Małgorzata Nowak")],
    );
    expect(&mut f, "Name: Łukasz Wąsik", &[(Person, "Łukasz Wąsik")]);
    expect(&mut f, "Regards,\nJiří Dvořák", &[(Person, "Jiří Dvořák")]);
    expect(
        &mut f,
        "Cheers, Ștefan Popescu",
        &[(Person, "Ștefan Popescu")],
    );
    expect(
        &mut f,
        "François Lefèvre and Dorothée Müller will share the corner desk.",
        &[(Person, "François Lefèvre"), (Person, "Dorothée Müller")],
    );
    // NFD: "Ame\u{301}lie" is "Amélie" with a combining acute accent.
    expect(
        &mut f,
        "Ame\u{301}lie Fontaine approved the draft.",
        &[(Person, "Ame\u{301}lie Fontaine")],
    );
    report(&f);
}

#[test]
fn hyphenated_and_apostrophe_names_are_one_span() {
    let mut f = Vec::new();
    expect(
        &mut f,
        "Anna-Lena Vogt is the new office manager.",
        &[(Person, "Anna-Lena Vogt")],
    );
    expect(
        &mut f,
        "A refund was requested by Jean-Luc Picard-Smith.",
        &[(Person, "Jean-Luc Picard-Smith")],
    );
    expect(
        &mut f,
        "Please ring Siobhan O'Neill back before noon.",
        &[(Person, "Siobhan O'Neill")],
    );
    expect(
        &mut f,
        "Marco D'Angelo left a voicemail for the team.",
        &[(Person, "Marco D'Angelo")],
    );
    expect(
        &mut f,
        "Many thanks,\nN'Golo Kanté",
        &[(Person, "N'Golo Kanté")],
    );
    expect(
        &mut f,
        "Seán O'Connor needs a copy of the contract.",
        &[(Person, "Seán O'Connor")],
    );
    expect(
        &mut f,
        "The booking is under Mary-Kate O'Donnell-Reyes.",
        &[(Person, "Mary-Kate O'Donnell-Reyes")],
    );
    expect(
        &mut f,
        "Liam O’Sullivan confirmed the delivery window.",
        &[(Person, "Liam O’Sullivan")],
    );
    expect(
        &mut f,
        "Karl-Heinz Brandauer has taken over the night shift.",
        &[(Person, "Karl-Heinz Brandauer")],
    );
    report(&f);
}

#[test]
fn particles_stay_inside_the_span() {
    let mut f = Vec::new();
    expect(
        &mut f,
        "The painting on loan belongs to Pieter van der Berg.",
        &[(Person, "Pieter van der Berg")],
    );
    expect(
        &mut f,
        "Lucía de la Cruz asked to move her shift to the evening.",
        &[(Person, "Lucía de la Cruz")],
    );
    expect(
        &mut f,
        "Georg von Trapp booked the concert hall for the weekend.",
        &[(Person, "Georg von Trapp")],
    );
    expect(
        &mut f,
        "Alfredo di Stefano coaches the youth team.",
        &[(Person, "Alfredo di Stefano")],
    );
    expect(
        &mut f,
        "Ana da Silva and Rafael dos Santos share the office upstairs.",
        &[(Person, "Ana da Silva"), (Person, "Rafael dos Santos")],
    );
    expect(
        &mut f,
        "Sincerely,\nKhalid bin Rashid",
        &[(Person, "Khalid bin Rashid")],
    );
    expect(
        &mut f,
        "Omar al-Farsi confirmed the shipment.",
        &[(Person, "Omar al-Farsi")],
    );
    expect(
        &mut f,
        "We bought a recording of Ludwig van Beethoven's late quartets.",
        &[(Person, "Ludwig van Beethoven")],
    );
    // A capitalized particle starts a family name that stands alone after a title.
    expect(
        &mut f,
        "Dear Mr. Van Dyke, your renewal is attached.",
        &[(Person, "Van Dyke")],
    );
    report(&f);
}

#[test]
fn three_part_and_middle_names_are_found_whole() {
    let mut f = Vec::new();
    expect(
        &mut f,
        "I am reading a biography of John F. Kennedy this week.",
        &[(Person, "John F. Kennedy")],
    );
    expect(
        &mut f,
        "Sarah Jane Whitfield will chair the meeting.",
        &[(Person, "Sarah Jane Whitfield")],
    );
    expect(
        &mut f,
        "A parcel from George R. R. Martin arrived at reception.",
        &[(Person, "George R. R. Martin")],
    );
    expect(
        &mut f,
        "Our book club picked a novel by Gabriel García Márquez.",
        &[(Person, "Gabriel García Márquez")],
    );
    expect(
        &mut f,
        "María José Fernández López opened the account in person.",
        &[(Person, "María José Fernández López")],
    );
    expect(
        &mut f,
        "The lecture on J. Robert Oppenheimer starts soon.",
        &[(Person, "J. Robert Oppenheimer")],
    );
    expect(
        &mut f,
        "Ana Paula Rodrigues Costa updated her mailing address.",
        &[(Person, "Ana Paula Rodrigues Costa")],
    );
    expect(
        &mut f,
        "Mary Ellen K. Whitlock is the emergency contact.",
        &[(Person, "Mary Ellen K. Whitlock")],
    );
    report(&f);
}

#[test]
fn honorifics_and_degrees_are_context_not_part_of_the_span() {
    let mut f = Vec::new();
    expect(
        &mut f,
        "Your appointment is with Dr. Emily Carter on the third floor.",
        &[(Person, "Emily Carter")],
    );
    expect(
        &mut f,
        "The keynote will be given by Prof. Dr. Hans Müller.",
        &[(Person, "Hans Müller")],
    );
    expect(
        &mut f,
        "Maria Rossi, MBA, leads the finance team.",
        &[(Person, "Maria Rossi")],
    );
    expect(
        &mut f,
        "Mr. O'Brien phoned about the late delivery.",
        &[(Person, "O'Brien")],
    );
    expect(
        &mut f,
        "Frau Schäfer hat heute Morgen angerufen.",
        &[(Person, "Schäfer")],
    );
    expect(
        &mut f,
        "La Sra. Lucía Fernández llamó esta mañana.",
        &[(Person, "Lucía Fernández")],
    );
    expect(
        &mut f,
        "El Sr. Javier Morales no estará disponible el lunes.",
        &[(Person, "Javier Morales")],
    );
    expect(
        &mut f,
        "Herr Dieter Braun übernimmt das Projekt.",
        &[(Person, "Dieter Braun")],
    );
    expect(
        &mut f,
        "Mme Sophie Lambert a confirmé sa venue.",
        &[(Person, "Sophie Lambert")],
    );
    expect(
        &mut f,
        "Please forward this to Ms Rachel Green.",
        &[(Person, "Rachel Green")],
    );
    expect(
        &mut f,
        "Reviewed by Robert Chen, PhD.",
        &[(Person, "Robert Chen")],
    );
    expect(
        &mut f,
        "Referral from Laura Bianchi MD for physiotherapy.",
        &[(Person, "Laura Bianchi")],
    );
    expect(
        &mut f,
        "Samuel Whitaker Jr. joined the board in the spring.",
        &[(Person, "Samuel Whitaker")],
    );
    expect(
        &mut f,
        "The yacht belongs to Thurston Howell III.",
        &[(Person, "Thurston Howell")],
    );
    expect(
        &mut f,
        "Mrs. Okonkwo left a message at the front desk.",
        &[(Person, "Okonkwo")],
    );
    report(&f);
}

#[test]
fn names_never_seen_are_found_when_context_says_so() {
    let mut f = Vec::new();
    expect(
        &mut f,
        "Transfer approved, payee Zorvath Quenby.",
        &[(Person, "Zorvath Quenby")],
    );
    expect(
        &mut f,
        "Hi, it's Ilvane Mortsby, just checking in about the delivery.",
        &[(Person, "Ilvane Mortsby")],
    );
    expect(
        &mut f,
        "Name: Tessaly Vornecroft",
        &[(Person, "Tessaly Vornecroft")],
    );
    expect(
        &mut f,
        "Looks good to me, thanks,\nQuillon Ashgrave",
        &[(Person, "Quillon Ashgrave")],
    );
    expect(
        &mut f,
        "Dear Oriel Vantasse,\nyour parcel is on its way.",
        &[(Person, "Oriel Vantasse")],
    );
    expect(
        &mut f,
        "The lease was signed by Brannoc Seltzby on behalf of the landlord.",
        &[(Person, "Brannoc Seltzby")],
    );
    expect(
        &mut f,
        "In the ticket, Yevrin Talmadoc wrote: the migration finished overnight.",
        &[(Person, "Yevrin Talmadoc")],
    );
    expect(
        &mut f,
        "The scooter is registered to Castor Imbrewick.",
        &[(Person, "Castor Imbrewick")],
    );
    expect(
        &mut f,
        "Hello, my name is Ondrea Falquist and I need help with my order.",
        &[(Person, "Ondrea Falquist")],
    );
    expect(
        &mut f,
        "Kind regards,\nPellan Oskarind",
        &[(Person, "Pellan Oskarind")],
    );
    expect(
        &mut f,
        "Dear Ysolde Kærnvik, welcome aboard.",
        &[(Person, "Ysolde Kærnvik")],
    );
    report(&f);
}

#[test]
fn capitalized_common_words_product_names_and_sentence_starts_are_not_people() {
    let mut f = Vec::new();
    for text in [
        // headings and sentence starts in title case
        "Quarterly Revenue Report",
        "Please Note: the office is closed on the bank holiday.",
        "Thank You For Your Order",
        "Hello World",
        // products and brand + model
        "You can pay with Google Pay at checkout.",
        "Join the call on Microsoft Teams instead.",
        "My Apple Watch stopped syncing again.",
        "Open the folder in Visual Studio Code.",
        "Amazon Web Services billing alert",
        "Tesla Model Y delivery scheduled",
        // places and organizations
        "The store is on Santa Monica Boulevard.",
        "Bank of America froze the transfer.",
        "Her flight to Saint Petersburg was delayed.",
        "They moved to New South Wales last year.",
        "Flights to Rio de Janeiro are sold out.",
        "The San Francisco office opens late on Fridays.",
        // days and months
        "The sale runs from Friday through Sunday in June.",
        // greetings and cue words followed by something that is not a name
        "Dear Valued Customer, your statement is ready.",
        "Name: Premium Plan",
        "Got it, thanks, Support Team",
        "Registered to: Northwind Traders Ltd",
    ] {
        expect(&mut f, text, &[]);
    }
    report(&f);
}

#[test]
fn names_are_found_anywhere_in_a_sentence() {
    let mut f = Vec::new();
    expect(
        &mut f,
        "Henrik Larsen approved the budget this morning.",
        &[(Person, "Henrik Larsen")],
    );
    expect(
        &mut f,
        "For the record, Fatima Haddad approved the change.",
        &[(Person, "Fatima Haddad")],
    );
    expect(
        &mut f,
        "We closed Maria Rossi's account last week.",
        &[(Person, "Maria Rossi")],
    );
    expect(
        &mut f,
        "Tomás Ribeiro’s badge stopped working.",
        &[(Person, "Tomás Ribeiro")],
    );
    expect(
        &mut f,
        "Ana Sousa, Pierre Dubois and Jan Kowalski reviewed the draft.",
        &[
            (Person, "Ana Sousa"),
            (Person, "Pierre Dubois"),
            (Person, "Jan Kowalski"),
        ],
    );
    expect(
        &mut f,
        "Yesterday Grace Whitmore returned the spare keys.",
        &[(Person, "Grace Whitmore")],
    );
    expect(
        &mut f,
        "Escalated to the engineer on call (Oliver Brandt).",
        &[(Person, "Oliver Brandt")],
    );
    expect(
        &mut f,
        "\"Eleanor Vance\" is on the guest list.",
        &[(Person, "Eleanor Vance")],
    );
    expect(
        &mut f,
        "Hannah Lindqvist, our head of finance, signed off on it.",
        &[(Person, "Hannah Lindqvist")],
    );
    expect(
        &mut f,
        "Ingrid Nilsson and Erik Lindqvist are both on leave.",
        &[(Person, "Ingrid Nilsson"), (Person, "Erik Lindqvist")],
    );
    // French administrative style: family name in capitals.
    expect(
        &mut f,
        "Le contrat a été signé par Claire DUBOIS.",
        &[(Person, "Claire DUBOIS")],
    );
    report(&f);
}

#[test]
fn person_fields_in_records_cover_the_name_alone() {
    let mut f = Vec::new();
    expect_record(
        &mut f,
        &json!({"full_name": "Hanne-Lore Schäfer"}),
        &[("full_name", Person, "Hanne-Lore Schäfer")],
    );
    expect_record(
        &mut f,
        &json!({"customer": {"first_name": "Zoë", "last_name": "Ørsted"}}),
        &[
            ("customer.first_name", Person, "Zoë"),
            ("customer.last_name", Person, "Ørsted"),
        ],
    );
    expect_record(
        &mut f,
        &json!({"contact": {"name": "Dr. Emily Carter"}}),
        &[("contact.name", Person, "Emily Carter")],
    );
    expect_record(
        &mut f,
        &json!({"product_name": "Apple Watch", "team": "Support Team"}),
        &[],
    );
    report(&f);
}
