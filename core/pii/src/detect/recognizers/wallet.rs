//! Crypto wallet addresses: Bitcoin legacy (Base58Check, double SHA-256), Bitcoin SegWit
//! (Bech32/Bech32m, BIP-173/350) and Ethereum (0x + 40 hex, EIP-55 mixed-case checksum).
//! A checksum that holds is near proof; a right shape with a failed checksum needs wallet context.

use sha3::{Digest, Keccak256};

use crate::EntityType;
use crate::detect::context::kind;
use crate::detect::scan::{Hit, Scan};

pub(crate) const PATTERN: &str = concat!(
    r"\b[13][1-9A-HJ-NP-Za-km-z]{24,33}\b",
    r"|\b(?:bc1|BC1|tb1|TB1)[0-9A-Za-z]{8,87}\b",
    r"|\b0x[0-9a-fA-F]{40}\b",
);

/// Score of a right-shaped address whose checksum fails, before context.
const SHAPE_ONLY: f32 = 0.3;

pub(crate) fn classify(scan: &Scan<'_>, start: usize, end: usize) -> Option<Hit> {
    let s = scan.slice(start, end);
    let checked = match s.as_bytes() {
        [b'0', b'x', ..] => eth_score(&s[2..]),
        [b'1' | b'3', ..] => base58check_ok(s).then_some(0.99),
        _ => bech32_ok(s).then_some(0.99),
    };
    let score = match checked {
        Some(score) => score,
        None => SHAPE_ONLY + 0.45 * scan.context(kind::WALLET, start, end),
    };
    Some(Hit::new(EntityType::CryptoWallet, start, end, score))
}

/// A P2PKH (version 0) or P2SH (version 5) address with a valid 4-byte double SHA-256 checksum.
pub(crate) fn base58check_ok(s: &str) -> bool {
    match bs58::decode(s).with_check(None).into_vec() {
        Ok(payload) => payload.len() == 21 && matches!(payload[0], 0x00 | 0x05),
        Err(_) => false,
    }
}

/// A SegWit address (`bc1`/`tb1`) whose Bech32 or Bech32m checksum and witness program are valid.
pub(crate) fn bech32_ok(s: &str) -> bool {
    bech32::segwit::decode(s).is_ok()
}

/// Ethereum: one case throughout carries no checksum (a plain shape); mixed case must satisfy
/// EIP-55, where each letter's case is a bit of the Keccak-256 of the lower-case address.
fn eth_score(hex: &str) -> Option<f32> {
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    if !(has_upper && has_lower) {
        return Some(0.8);
    }
    eip55_ok(hex).then_some(0.99)
}

pub(crate) fn eip55_ok(hex: &str) -> bool {
    let lower = hex.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    hex.bytes().enumerate().all(|(i, c)| {
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
        match c {
            b'a'..=b'f' => nibble < 8,
            b'A'..=b'F' => nibble >= 8,
            _ => true,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58check_of_real_addresses() {
        assert!(base58check_ok("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
        assert!(base58check_ok("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"));
        assert!(!base58check_ok("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"));
        assert!(!base58check_ok("1dYDTb8Z1fR2b3aSbtd8Y6mB5bWTtSJ"));
    }

    #[test]
    fn bech32_of_real_addresses() {
        assert!(bech32_ok("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
        assert!(bech32_ok("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"));
        assert!(bech32_ok(
            "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"
        ));
        assert!(!bech32_ok("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr"));
        assert!(!bech32_ok("bc1qfQQgW9eXvd9xRChALFugGoDBphcDkR"));
    }

    #[test]
    fn eip55_checksum() {
        assert!(eip55_ok("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
        assert!(eip55_ok("fB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"));
        assert!(!eip55_ok("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"));
        assert_eq!(
            eth_score("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
            Some(0.8)
        );
    }
}
