//! The small word lists of the PERSON recognizer (as `matches!`, which compiles to a switch on
//! length and bytes: they are asked about every capitalized word): what may stand around or inside a name, and
//! the words next to a name that say it is one.

/// Titles that introduce a name, as written (without the dot): English, and the ones most
/// often met in German, French, Spanish, Italian and Portuguese text. (`Don` is left out: it
/// is at least as often a first name.)
pub(crate) fn is_title(word: &str) -> bool {
    matches!(
        word,
        "Mr" | "Mrs"
            | "Ms"
            | "Miss"
            | "Mx"
            | "Dr"
            | "Prof"
            | "Sir"
            | "Dame"
            | "Rev"
            | "Fr"
            | "Capt"
            | "Col"
            | "Gen"
            | "Lt"
            | "Sgt"
            | "Hon"
            | "Judge"
            | "Officer"
            | "Madam"
            | "Madame"
            | "Mme"
            | "Mlle"
            | "Herr"
            | "Frau"
            | "Sra"
            | "Srta"
            | "Sig"
            | "Dott"
            | "Ing"
            | "Avv"
            | "Monsieur"
            | "Mademoiselle"
            | "Señor"
            | "Señora"
            | "Signor"
            | "Signora"
            | "Senhor"
            | "Senhora"
    )
}

/// Generational suffixes: they end a name and stay outside its span (the name alone is the
/// value; see the span conventions in `shared/data/README.md`).
pub(crate) fn is_generational(word: &str) -> bool {
    matches!(word, "Jr" | "Sr" | "II" | "III" | "IV")
}

/// Degrees and post-nominals: context after a name, never part of it.
pub(crate) fn is_degree(word: &str) -> bool {
    matches!(
        word,
        "MD" | "PhD"
            | "DPhil"
            | "DDS"
            | "DVM"
            | "Esq"
            | "RN"
            | "CPA"
            | "JD"
            | "MBA"
            | "MSc"
            | "BSc"
            | "MA"
            | "BA"
            | "MS"
            | "LLM"
            | "FRCS"
            | "MRCP"
            | "OBE"
            | "MBE"
            | "CBE"
    )
}

/// Lower-case particles that sit between the words of a name (`Michel de la Durand`, `Ludwig
/// van Beethoven`): never a name's first or last word.
pub(crate) fn is_particle(word: &str) -> bool {
    matches!(
        word,
        "de" | "del"
            | "della"
            | "delle"
            | "dei"
            | "degli"
            | "di"
            | "da"
            | "dal"
            | "dalla"
            | "das"
            | "dos"
            | "do"
            | "du"
            | "des"
            | "la"
            | "le"
            | "lo"
            | "van"
            | "von"
            | "der"
            | "den"
            | "ter"
            | "ten"
            | "te"
            | "zu"
            | "y"
            | "e"
            | "bin"
            | "ibn"
            | "binti"
            | "al"
            | "el"
            | "af"
            | "av"
    )
}

/// Words right before a name that say a person follows (`Customer`, `payee`, `Dear`, `Name:`).
pub(crate) fn is_cue_before(word: &str) -> bool {
    matches!(
        word,
        "customer"
            | "client"
            | "patient"
            | "employee"
            | "applicant"
            | "member"
            | "tenant"
            | "guest"
            | "passenger"
            | "holder"
            | "cardholder"
            | "owner"
            | "payee"
            | "payer"
            | "recipient"
            | "beneficiary"
            | "sender"
            | "contact"
            | "name"
            | "fullname"
            | "dear"
            | "hi"
            | "hello"
            | "hey"
            | "attn"
            | "thanks"
            | "regards"
            | "cheers"
            | "sincerely"
            | "signed"
            | "insured"
            | "claimant"
            | "subscriber"
            | "buyer"
            | "seller"
            | "consignee"
            | "addressee"
            | "witness"
            | "spouse"
            | "husband"
            | "wife"
            | "son"
            | "daughter"
            | "mother"
            | "father"
            | "named"
            | "student"
            | "doctor"
            | "nurse"
            | "physician"
            | "landlord"
            | "lawyer"
            | "attorney"
            | "agent"
            | "manager"
            | "author"
            | "it's"
            | "i'm"
            | "im"
    )
}

/// Two-word cues: (word before, word right before the name).
pub(crate) fn is_cue_pair(before: &str, word: &str) -> bool {
    matches!(
        (before, word),
        ("registered", "to")
            | ("assigned", "to")
            | ("addressed", "to")
            | ("issued", "to")
            | ("belongs", "to")
            | ("signed", "by")
            | ("written", "by")
            | ("sent", "by")
            | ("approved", "by")
            | ("prepared", "by")
            | ("reported", "by")
            | ("submitted", "by")
            | ("requested", "by")
            | ("it", "is")
            | ("this", "is")
            | ("name", "is")
            | ("i", "am")
            | ("thank", "you")
            | ("best", "wishes")
            | ("kind", "regards")
    )
}

/// Words right before a name that make one a little more likely (`for`, `from`, `by`).
pub(crate) fn is_weak_cue_before(word: &str) -> bool {
    matches!(
        word,
        "for" | "from" | "by" | "to" | "with" | "cc" | "and" | "via"
    )
}

/// Words right after a name that say it is one (`… wrote:`, `…, born 1970`).
pub(crate) fn is_cue_after(word: &str) -> bool {
    matches!(
        word,
        "wrote"
            | "writes"
            | "said"
            | "says"
            | "asked"
            | "asks"
            | "replied"
            | "replies"
            | "called"
            | "calls"
            | "signed"
            | "commented"
            | "reported"
            | "explained"
            | "added"
            | "answered"
            | "confirmed"
            | "mentioned"
            | "noted"
            | "told"
            | "born"
            | "thinks"
            | "emailed"
            | "texted"
            | "joined"
            | "left"
            | "agreed"
    )
}
