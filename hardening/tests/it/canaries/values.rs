//! The planted values: each unique to one run and one field, each with the places the docs say
//! may hold it, and the encoded forms it is searched in.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use coffer_core::store::Key;

/// A place outside the logs where a canary may sit in clear, because a document says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// One table item (its exact key, from `coffer_core::store::schema`).
    Item(Key),
    /// The `.eml` files the local mailer writes (API.md "Mail": "writes each message to
    /// `COFFER_DATA_DIR/mail/` as an `.eml` file, so a person can open the link").
    Mail,
    /// A blob whose name holds this record id (a presigned upload: API.md "Data vault", the
    /// object is protected by SSE-KMS, which the blob store applies, not Coffer).
    BlobOf(String),
    /// A reply header (the `set-cookie` of a web login carries the session it hands out).
    Header,
}

/// One planted value.
#[derive(Debug, Clone)]
pub struct Canary {
    /// Which field it went through (for messages).
    pub field: String,
    pub value: String,
    pub allowed: Vec<Place>,
    /// Whether a successful reply may carry it back (every value but a password: a route that
    /// receives a value may answer it, and a route that hands out a credential shows it once).
    pub echoed: bool,
}

/// Every value of a run.
#[derive(Debug, Default)]
pub struct Canaries {
    pub tag: String,
    pub all: Vec<Canary>,
    seed: u128,
}

impl Canaries {
    pub fn new() -> Self {
        let ulid = ulid::Ulid::new();
        Self {
            tag: ulid.to_string().to_lowercase(),
            all: Vec::new(),
            seed: ulid.random(),
        }
    }

    /// `canary-<run>-<field>`: ASCII letters, digits and dashes, so that no JSON or URL
    /// encoding changes it.
    pub fn text(&mut self, field: &str) -> String {
        let value = format!("canary-{}-{field}x", self.tag);
        self.plant(field, &value)
    }

    /// An address the PII engine knows for one: `canary.<run>.<field>@example.com`. Searched by
    /// its local part, so an address cut at the `@` is found too.
    pub fn email(&mut self, field: &str) -> String {
        let local = format!("canary.{}.{field}x", self.tag);
        self.plant(field, &local);
        format!("{local}@example.com")
    }

    /// A US phone number in the form the engine finds, with digits of this run.
    pub fn phone(&mut self, field: &str) -> String {
        let digits = self.digits(7);
        let value = format!("(415) {}-{}", &digits[..3], &digits[3..]);
        self.plant(field, &value)
    }

    /// A Visa number of this run that passes the Luhn check.
    pub fn card(&mut self, field: &str) -> String {
        let mut digits: Vec<u32> = format!("4{}", self.digits(14))
            .chars()
            .map(|c| c.to_digit(10).unwrap())
            .collect();
        let sum: u32 = digits
            .iter()
            .rev()
            .enumerate()
            .map(|(i, d)| {
                if i % 2 == 0 {
                    (d * 2) % 9 + u32::from(*d == 9) * 9
                } else {
                    *d
                }
            })
            .sum();
        digits.push((10 - sum % 10) % 10);
        let value: String = digits.iter().map(ToString::to_string).collect();
        self.plant(field, &value)
    }

    /// A server-issued secret (a token, a code, a key) to look for as it was handed out.
    pub fn issued(&mut self, field: &str, value: &str) {
        self.plant(field, value);
    }

    /// A part of a secret planted already (a private key's seed inside its PKCS#8 document),
    /// looked for on its own in case it is kept apart.
    pub fn issued_part(&mut self, field: &str, value: &str) {
        self.all.push(Canary {
            field: field.to_owned(),
            value: value.to_owned(),
            allowed: Vec::new(),
            echoed: true,
        });
    }

    /// Adds `place` to what may hold the canary planted as `field`.
    pub fn allow(&mut self, field: &str, place: Place) {
        self.get_mut(field).allowed.push(place);
    }

    /// A reply may never carry the canary planted as `field` (a password).
    pub fn never_echoed(&mut self, field: &str) {
        self.get_mut(field).echoed = false;
    }

    fn get_mut(&mut self, field: &str) -> &mut Canary {
        self.all
            .iter_mut()
            .find(|c| c.field == field)
            .unwrap_or_else(|| panic!("no canary {field}"))
    }

    pub fn value(&self, field: &str) -> &str {
        &self.all.iter().find(|c| c.field == field).unwrap().value
    }

    fn plant(&mut self, field: &str, value: &str) -> String {
        assert!(
            self.all
                .iter()
                .all(|c| c.field != field && !c.value.contains(value) && !value.contains(&c.value)),
            "canary {field} is unique and no other canary holds it"
        );
        self.all.push(Canary {
            field: field.to_owned(),
            value: value.to_owned(),
            allowed: Vec::new(),
            echoed: true,
        });
        value.to_owned()
    }

    /// `n` decimal digits from this run's randomness (a new draw each time).
    fn digits(&mut self, n: usize) -> String {
        let mut out = String::new();
        for _ in 0..n {
            if self.seed < 10 {
                self.seed = ulid::Ulid::new().random();
            }
            out.push(char::from(b'0' + (self.seed % 10) as u8));
            self.seed /= 10;
        }
        // A first digit of 2-9 keeps phone exchanges and card bodies in valid ranges.
        if out.starts_with(['0', '1']) {
            out.replace_range(..1, "7");
        }
        out
    }
}

/// The forms a value could take in stored or logged bytes, each searched as given: the
/// lower-case text (the haystack is lowered too, so any case matches), percent-encoded, hex,
/// and base64 (standard and URL-safe) of the value at each of the three alignments, so that a
/// value inside a longer encoded string is found.
pub fn forms(value: &str) -> Forms {
    let lowered = value.to_lowercase();
    let mut folded = vec![
        lowered.clone(),
        percent(&lowered),
        percent(&lowered).replace("%20", "+"),
        hex(lowered.as_bytes()),
    ];
    folded.dedup();
    let mut exact = Vec::new();
    for text in [value.to_owned(), lowered] {
        let bytes = text.as_bytes();
        for offset in 0..3 {
            let aligned = &bytes[offset..];
            let aligned = &aligned[..aligned.len() / 3 * 3];
            exact.push(STANDARD.encode(aligned));
            exact.push(URL_SAFE_NO_PAD.encode(aligned));
        }
    }
    exact.sort();
    exact.dedup();
    Forms { folded, exact }
}

/// What [`forms`] makes.
pub struct Forms {
    /// Searched in the lower-cased haystack.
    pub folded: Vec<String>,
    /// Searched in the haystack as it is (base64 is case-sensitive).
    pub exact: Vec<String>,
}

pub fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02x}"),
        })
        .collect()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
