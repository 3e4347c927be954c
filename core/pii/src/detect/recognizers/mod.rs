//! One recognizer per family of values. Each gives the candidate pattern(s) for the combined
//! automaton and a `classify` that validates a candidate and scores it (or rejects it).

pub(crate) mod aws;
pub(crate) mod card;
pub(crate) mod date;
pub(crate) mod driver_license;
pub(crate) mod email;
pub(crate) mod iban;
pub(crate) mod ids;
pub(crate) mod ip;
pub(crate) mod jwt;
pub(crate) mod mac;
pub(crate) mod person;
pub(crate) mod phone;
pub(crate) mod secret;
pub(crate) mod ssn;
pub(crate) mod url;
pub(crate) mod wallet;

/// The decimal digits of `s` as values 0-9 in `buf`, or `None` if there are more than fit.
pub(crate) fn digits_of<'b>(s: &[u8], buf: &'b mut [u8]) -> Option<&'b [u8]> {
    let mut n = 0;
    for &b in s.iter().filter(|b| b.is_ascii_digit()) {
        *buf.get_mut(n)? = b - b'0';
        n += 1;
    }
    Some(&buf[..n])
}
