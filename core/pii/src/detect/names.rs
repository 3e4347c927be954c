//! Name lists for the PERSON recognizer, embedded in the binary (US Census 1990, public domain;
//! see `data/NOTICE.md`), plus the small word lists that keep ordinary words from passing as names.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

static FIRST: &str = include_str!("../../data/first_names.txt");
static LAST: &str = include_str!("../../data/last_names.txt");

/// First names that are also common English words or places: they count as names only with
/// more evidence (a title, a context word).
const AMBIGUOUS_FIRST: &[&str] = &[
    "JUNE",
    "APRIL",
    "AUGUST",
    "BILL",
    "MARK",
    "GRANT",
    "CHASE",
    "HOPE",
    "JOY",
    "FAITH",
    "ROSE",
    "SUMMER",
    "ART",
    "PAGE",
    "LANE",
    "DEAN",
    "JACK",
    "FRANK",
    "GUY",
    "GAY",
    "RAY",
    "DON",
    "CHRISTIAN",
    "MAJOR",
    "KING",
    "YOUNG",
    "LONG",
    "MILES",
    "ROYAL",
    "GOLDEN",
    "SUNNY",
    "LOVE",
    "PRECIOUS",
    "EASTER",
    "SUNDAY",
    "JANUARY",
    "STAR",
    "ANGEL",
    "CANDY",
    "BERRY",
    "FOREST",
    "GLEN",
    "PARIS",
    "CHINA",
    "GERMAN",
    "VIRGINIA",
    "GEORGIA",
    "CAROLINA",
    "DAKOTA",
    "AUSTIN",
    "DALLAS",
    "HOUSTON",
    "DENVER",
    "CLEVELAND",
    "MADISON",
    "ISRAEL",
    "ASIA",
    "AMERICA",
    "SPRING",
    "AUTUMN",
    "WINTER",
    "MERRY",
    "CHARITY",
    "MERCY",
    "PATIENCE",
    "CORAL",
    "PEARL",
    "JEWEL",
    "IVORY",
    "AMBER",
    "CRYSTAL",
    "DIAMOND",
    "JADE",
    "OPAL",
    "BRANDY",
    "SHERRY",
    "SPARKLE",
    "LOGAN",
    "REED",
    "PORTER",
    "HUNTER",
    "CARTER",
    "MASON",
    "WALKER",
    "TAYLOR",
    "CHANCE",
    "JUSTICE",
    "HONOR",
    "BABY",
    "SKY",
    "RIVER",
    "STORM",
    "DESTINY",
    "TRINITY",
    "UNIQUE",
    "ROYCE",
    "BUCK",
    "CLIFF",
    "DUSTY",
    "ROCKY",
    "WOODY",
    "SHELBY",
    "BENTLEY",
    "MERCEDES",
    "PORSCHE",
    "LEXUS",
    "CHEVY",
    "AUDI",
    "EBONY",
    "GENEVA",
    "FLORENCE",
    "SAVANNAH",
    "SYDNEY",
    "LOURDES",
    "JERSEY",
    "INDIA",
    "KENYA",
    "CHINA",
    "JAPAN",
];

/// Words that, next to a would-be name, show it is a place or an organization.
const ORG_PLACE: &[&str] = &[
    "INC",
    "LLC",
    "LTD",
    "CORP",
    "CORPORATION",
    "COMPANY",
    "CO",
    "GROUP",
    "FOUNDATION",
    "UNIVERSITY",
    "COLLEGE",
    "SCHOOL",
    "ACADEMY",
    "HOSPITAL",
    "CLINIC",
    "BANK",
    "CHURCH",
    "CENTER",
    "CENTRE",
    "INSTITUTE",
    "ASSOCIATION",
    "PARTNERS",
    "HOLDINGS",
    "SERVICES",
    "SOLUTIONS",
    "SYSTEMS",
    "TECHNOLOGIES",
    "LABS",
    "STREET",
    "ST",
    "AVENUE",
    "AVE",
    "ROAD",
    "RD",
    "DRIVE",
    "BOULEVARD",
    "BLVD",
    "WAY",
    "COURT",
    "PLACE",
    "SQUARE",
    "BRIDGE",
    "STATION",
    "AIRPORT",
    "RIVER",
    "LAKE",
    "MOUNTAIN",
    "MOUNT",
    "BEACH",
    "COUNTY",
    "CITY",
    "STATE",
    "BAY",
    "ISLAND",
    "VALLEY",
    "HEIGHTS",
    "HILLS",
    "SPRINGS",
    "FALLS",
    "HARBOR",
    "PORT",
    "TOWER",
    "BUILDING",
    "PLAZA",
    "MALL",
    "MARKET",
    "HOTEL",
    "INN",
    "RESTAURANT",
    "CAFE",
    "BAR",
    "GRILL",
    "STORE",
    "SHOP",
    "PHARMACY",
    "LIBRARY",
    "MUSEUM",
    "THEATER",
    "THEATRE",
    "STADIUM",
    "ARENA",
    "HIGH",
    "MIDDLE",
    "ELEMENTARY",
    "DISTRICT",
    "DEPARTMENT",
    "MINISTRY",
    "OFFICE",
    "AGENCY",
    "BUREAU",
    "COUNCIL",
    "COMMITTEE",
    "BOARD",
    "COMMISSION",
    "FEDERAL",
    "NATIONAL",
    "AMERICAN",
    "INTERNATIONAL",
    "GLOBAL",
    "UNITED",
    "STATES",
    "KINGDOM",
    "REPUBLIC",
    "NORTH",
    "SOUTH",
    "EAST",
    "WEST",
    "NEW",
    "OLD",
    "GREAT",
    "LITTLE",
    "SAINT",
    "FORT",
    "LOS",
    "SAN",
    "SANTA",
    "LAS",
    "EL",
    "AIRLINES",
    "AIRWAYS",
    "MOTORS",
    "ENERGY",
    "MEDIA",
    "NEWS",
    "TIMES",
    "POST",
    "JOURNAL",
    "PRESS",
    "RECORDS",
    "STUDIOS",
    "PICTURES",
    "FILMS",
    "GAMES",
    "SPORTS",
    "CLUB",
    "TEAM",
    "LEAGUE",
    "CUP",
    "AWARD",
    "PRIZE",
    "ACT",
    "LAW",
    "BILL",
    "TREATY",
    "WAR",
    "BATTLE",
    // states, countries and cities that are also in the name lists
    "TEXAS",
    "CALIFORNIA",
    "FLORIDA",
    "OHIO",
    "MICHIGAN",
    "ILLINOIS",
    "ARIZONA",
    "COLORADO",
    "OREGON",
    "UTAH",
    "IOWA",
    "KANSAS",
    "KENTUCKY",
    "ALABAMA",
    "ALASKA",
    "ARKANSAS",
    "CONNECTICUT",
    "DELAWARE",
    "HAWAII",
    "IDAHO",
    "LOUISIANA",
    "MAINE",
    "MARYLAND",
    "MASSACHUSETTS",
    "MINNESOTA",
    "MISSISSIPPI",
    "MISSOURI",
    "NEBRASKA",
    "OKLAHOMA",
    "PENNSYLVANIA",
    "TENNESSEE",
    "VERMONT",
    "WISCONSIN",
    "WYOMING",
    "CANADA",
    "MEXICO",
    "ENGLAND",
    "FRANCE",
    "GERMANY",
    "ITALY",
    "SPAIN",
    "JAPAN",
    "RUSSIA",
    "BRAZIL",
    "AUSTRALIA",
    "IRELAND",
    "SCOTLAND",
    "WALES",
    "EUROPE",
    "AFRICA",
    "BOSTON",
    "CHICAGO",
    "SEATTLE",
    "ATLANTA",
    "DETROIT",
    "MIAMI",
    "PHILADELPHIA",
    "BROOKLYN",
    "MANHATTAN",
    "TORONTO",
    "BERLIN",
    "TOKYO",
];

/// Words that open a place name written with a particle (`Rio de Janeiro`, `Costa del Sol`):
/// such a run is a place, though the words are surnames too (`Johnny Río`, `Ana Costa`).
const PLACE_BEFORE_PARTICLE: &[&str] = &[
    "RIO", "PUERTO", "PORTO", "ISLA", "ILHA", "VILLA", "CIUDAD", "COSTA", "MONTE", "SIERRA",
    "PLAYA", "PRAIA", "CABO", "PUNTA", "BAHIA", "CASA", "CASTEL", "CASTELLO", "BORGO", "SAN",
    "SANTA", "SANTO", "SAO", "MAR", "LAGO", "VAL", "VALLE", "TORRE", "PONTE", "CALLE", "VIA",
    "PLAZA", "PIAZZA", "AVENIDA", "RUA", "CHATEAU", "SAINT", "MONT", "ISOLA", "LIDO", "COL",
];

/// Capitalized words that are never part of a name: calendar words, function words, frequent
/// sentence openers and labels.
const COMMON: &[&str] = &[
    // calendar
    // (April, May, June and August are first names too: see AMBIGUOUS_FIRST)
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "JULY",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
    "SUNDAY",
    "CHRISTMAS",
    "EASTER",
    "THANKSGIVING",
    "HALLOWEEN",
    // function words and frequent sentence openers
    "THE",
    "THIS",
    "THAT",
    "THESE",
    "THOSE",
    "THERE",
    "THEN",
    "THAN",
    "AND",
    "BUT",
    "FOR",
    "NOR",
    "WITH",
    "FROM",
    "INTO",
    "ONTO",
    "UPON",
    "ABOUT",
    "AFTER",
    "BEFORE",
    "WHEN",
    "WHERE",
    "WHILE",
    "WHAT",
    "WHICH",
    "WHO",
    "WHOM",
    "WHY",
    "HOW",
    "ALL",
    "ANY",
    "EACH",
    "EVERY",
    "SOME",
    "MOST",
    "MANY",
    "MUCH",
    "MORE",
    "LESS",
    "OUR",
    "YOUR",
    "THEIR",
    "HIS",
    "HER",
    "ITS",
    "MY",
    "WE",
    "YOU",
    "THEY",
    "SHE",
    "HE",
    "IT",
    "NOT",
    "NO",
    "YES",
    "PLEASE",
    "THANK",
    "THANKS",
    "DEAR",
    "HELLO",
    "HI",
    "BEST",
    "KIND",
    "REGARDS",
    "SINCERELY",
    "CHEERS",
    "ATTN",
    "RE",
    "FW",
    "FWD",
    "SEND",
    "SENT",
    "WIRE",
    "LOGIN",
    "LOG",
    "SIGN",
    "CALL",
    "CONTACT",
    "CUSTOMER",
    "CLIENT",
    "PATIENT",
    "USER",
    "ADMIN",
    "ACCOUNT",
    "ORDER",
    "INVOICE",
    "TICKET",
    "DEVICE",
    "NOTE",
    "NOTES",
    "SUBJECT",
    "TOTAL",
    "AMOUNT",
    "DATE",
    "TIME",
    "NAME",
    "ADDRESS",
    "PHONE",
    "EMAIL",
    "CARD",
    "PAYMENT",
    "BILLING",
    "SHIPPING",
    "SUPPORT",
    "SERVICE",
    "SERVICES",
    "PRODUCT",
    "PRODUCTS",
    "WORLD",
    "UPDATE",
    "UPDATES",
    "NEWSLETTER",
    "WELCOME",
    "CONGRATULATIONS",
    "DEAL",
    "OFFER",
    "TEAM",
    "SALES",
    "HELP",
    "ERROR",
    "WARNING",
    "INFO",
    "DEBUG",
    "SUCCESS",
    "FAILED",
    "PENDING",
    "STATUS",
    "TOTAL",
    "SUMMARY",
    "REPORT",
    "CHAPTER",
    "SECTION",
    "PART",
    "PAGE",
    "FIGURE",
    "TABLE",
    "APPENDIX",
    "INTRODUCTION",
    "CONCLUSION",
    "ABSTRACT",
    "OVERVIEW",
    "DETAILS",
    "TERMS",
    "POLICY",
    "PRIVACY",
    "SECURITY",
    "LEAKED",
    "NOTHING",
    "AUTHORIZATION",
    "BEARER",
    "PROFILE",
    "SETTINGS",
    "GOOD",
    "MORNING",
    "AFTERNOON",
    "EVENING",
    "NIGHT",
    "DAY",
    "WEEK",
    "MONTH",
    "YEAR",
    "TODAY",
    "TOMORROW",
    "YESTERDAY",
    "FIRST",
    "LAST",
    "NEXT",
    "PREVIOUS",
    "FINAL",
    "ANNUAL",
    "MONTHLY",
    "WEEKLY",
    "DAILY",
    "FREE",
    "PREMIUM",
    "PRO",
    "PLUS",
    "BASIC",
    "STANDARD",
    "ENTERPRISE",
    "EDITION",
    "GOD",
    "LORD",
    "JESUS",
    "CHRIST",
    "HOLY",
    "SAINTS",
    "OPEN",
    "CLOSE",
    "CLOSED",
    "READ",
    "MORE",
    // imperative openers: "Ask José Ortega", "Tell Maria"
    "ASK",
    "TELL",
    "PING",
    "MEET",
    "VISIT",
    "INVITE",
    "REMIND",
    "FORWARD",
    "LET",
    "GIVE",
    "SEE",
    "GET",
    "MAKE",
    "HAVE",
    "TRY",
    "USE",
    "BUY",
    "PAY",
    "SHOW",
    "NOTIFY",
    "CONTACTS",
    "LOGGED",
    "SIGNED",
    // product and platform words
    "WATCH",
    "STUDIO",
    "CODE",
    "CLOUD",
    "WEB",
    "APP",
    "APPS",
    "PLAN",
    "PLATFORM",
    "SUITE",
    "MODEL",
    "PHONE",
    "TEAMS",
    "OFFICE",
    "WINDOWS",
    "DRIVE",
    "MAPS",
    "DOCS",
    "SHEETS",
    "CONSOLE",
];

/// FNV-1a: the keys are short and fixed (our own lists), so a simple fast hash beats SipHash's
/// flooding resistance, which buys nothing for a table that input cannot grow.
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A word of at most 16 bytes packed into one integer: compared and hashed in a few
/// instructions (no byte loop, no `memcmp`).
pub(crate) fn packed(word: &[u8]) -> Option<u128> {
    let mut buf = [0u8; 16];
    buf.get_mut(..word.len())?.copy_from_slice(word);
    Some(u128::from_le_bytes(buf))
}

/// Hashes a packed word with one multiplication (keys are our own lists: no flooding to fear).
#[derive(Default)]
pub(crate) struct PackedHash(u64);

impl Hasher for PackedHash {
    fn write(&mut self, bytes: &[u8]) {
        let mut fnv = Fnv(self.0);
        fnv.write(bytes);
        self.0 = fnv.0;
    }

    fn write_u128(&mut self, v: u128) {
        let folded = (v as u64) ^ ((v >> 64) as u64).rotate_left(29);
        let h = folded.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 29);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

const FIRST_BIT: u8 = 1;
const LAST_BIT: u8 = 2;
const AMBIGUOUS_BIT: u8 = 4;
const ORG_PLACE_BIT: u8 = 8;
const COMMON_BIT: u8 = 16;
const PLACE_BEFORE_PARTICLE_BIT: u8 = 32;

/// Every listed word (upper-case ASCII) with the lists it is on, as bits.
pub(crate) struct Names {
    /// Words of up to 16 bytes, packed.
    short: HashMap<u128, u8, BuildHasherDefault<PackedHash>>,
    /// The few longer ones.
    long: HashMap<&'static [u8], u8, BuildHasherDefault<Fnv>>,
}

/// How a capitalized word relates to the name lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct NameClass {
    pub first: bool,
    pub last: bool,
    pub ambiguous: bool,
    /// A place or organization word ("Street", "Inc", "North").
    pub org_place: bool,
    /// A word that is never a name ("The", "Monday", "Customer").
    pub common: bool,
    /// A word that opens a place name when a particle follows ("Rio de Janeiro").
    pub place_before_particle: bool,
}

impl Names {
    pub(crate) fn new() -> Self {
        let mut short: HashMap<u128, u8, BuildHasherDefault<PackedHash>> = HashMap::default();
        let mut long: HashMap<&'static [u8], u8, BuildHasherDefault<Fnv>> = HashMap::default();
        let lists: [(&mut dyn Iterator<Item = &'static str>, u8); 6] = [
            (&mut lines(FIRST), FIRST_BIT),
            (&mut lines(LAST), LAST_BIT),
            (&mut AMBIGUOUS_FIRST.iter().copied(), AMBIGUOUS_BIT),
            (&mut ORG_PLACE.iter().copied(), ORG_PLACE_BIT),
            (&mut COMMON.iter().copied(), COMMON_BIT),
            (
                &mut PLACE_BEFORE_PARTICLE.iter().copied(),
                PLACE_BEFORE_PARTICLE_BIT,
            ),
        ];
        for (list, bit) in lists {
            for w in list {
                match packed(w.as_bytes()) {
                    Some(key) => *short.entry(key).or_default() |= bit,
                    None => *long.entry(w.as_bytes()).or_default() |= bit,
                }
            }
        }
        Self { short, long }
    }

    /// Looks a word up in every list, ignoring case. Words longer than any name are nobody's.
    pub(crate) fn classify(&self, word: &str) -> NameClass {
        let mut buf = [0u8; 24];
        let bits = if word.len() > buf.len() || !word.is_ascii() {
            0
        } else {
            let upper = &mut buf[..word.len()];
            upper.copy_from_slice(word.as_bytes());
            upper.make_ascii_uppercase();
            match packed(upper) {
                Some(key) => self.short.get(&key),
                None => self.long.get(&*upper),
            }
            .copied()
            .unwrap_or(0)
        };
        NameClass {
            first: bits & FIRST_BIT != 0,
            last: bits & LAST_BIT != 0,
            ambiguous: bits & AMBIGUOUS_BIT != 0,
            org_place: bits & ORG_PLACE_BIT != 0,
            common: bits & COMMON_BIT != 0,
            place_before_particle: bits & PLACE_BEFORE_PARTICLE_BIT != 0,
        }
    }
}

fn lines(s: &'static str) -> impl Iterator<Item = &'static str> {
    s.lines().map(str::trim).filter(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_embedded_and_case_blind() {
        let n = Names::new();
        assert!(n.short.len() + n.long.len() > 20000);
        assert!(n.classify("Justin").first);
        assert!(n.classify("GONZALEZ").last);
        assert!(n.classify("April").ambiguous);
        assert!(n.classify("Street").org_place);
        assert!(n.classify("Customer").common);
        assert!(!n.classify("Qwertyuiop").first);
        assert!(!n.classify("Ünïcode").first);
    }
}
