//! Hand-made held-out texts, written apart from the dev corpus, to check that the detector
//! generalizes: other phrasings, other formats, and look-alikes that must stay unflagged.

use super::heldout_support::expect;
use super::{DetectOptions, Detector};
use crate::EntityType::*;

#[test]
fn other_phrasings_are_found() {
    let mut f = Vec::new();
    expect(
        &mut f,
        "Hi, I'm Maria Lopez and you can reach me at maria.lopez@gmail.com or 415.555.0132.",
        &[
            (Person, "Maria Lopez"),
            (Email, "maria.lopez@gmail.com"),
            (Phone, "415.555.0132"),
        ],
    );
    expect(
        &mut f,
        "DOB: 03/14/1988 | SSN: 078-05-1121",
        &[(DateOfBirth, "03/14/1988"), (UsSsn, "078-05-1121")],
    );
    expect(
        &mut f,
        "Her date of birth is 7 March 1979.",
        &[(DateOfBirth, "7 March 1979")],
    );
    expect(
        &mut f,
        "Visa ending 4111 1111 1111 1111 was declined",
        &[(CreditCard, "4111 1111 1111 1111")],
    );
    expect(
        &mut f,
        "Amex 3782 822463 10005 on file",
        &[(CreditCard, "3782 822463 10005")],
    );
    expect(
        &mut f,
        "IBAN DE89 3704 0044 0532 0130 00 (Commerzbank)",
        &[(Iban, "DE89 3704 0044 0532 0130 00")],
    );
    expect(
        &mut f,
        "ssh from 2001:db8:85a3::8a2e:370:7334 port 22",
        &[(IpAddress, "2001:db8:85a3::8a2e:370:7334")],
    );
    expect(
        &mut f,
        "server at 10.0.0.254:8080 is down",
        &[(IpAddress, "10.0.0.254")],
    );
    expect(
        &mut f,
        "eth0 HWaddr 00:1A:2B:3C:4D:5E",
        &[(MacAddress, "00:1A:2B:3C:4D:5E")],
    );
    expect(
        &mut f,
        "Signed, Dr. Emily Carter",
        &[(Person, "Emily Carter")],
    );
    expect(
        &mut f,
        "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        &[(AwsAccessKey, "AKIAIOSFODNN7EXAMPLE")],
    );
    expect(
        &mut f,
        "token: ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        &[(ApiSecret, "ghp_16C7e42F292c6912E7710c838347Ae178B4a")],
    );
    expect(
        &mut f,
        "api_key = 'Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0Lz'",
        &[(ApiSecret, "Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0Lz")],
    );
    expect(
        &mut f,
        "Send 0.5 BTC to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa today",
        &[(CryptoWallet, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")],
    );
    expect(
        &mut f,
        "ETH: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        &[(CryptoWallet, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")],
    );
    expect(
        &mut f,
        "segwit bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        &[(CryptoWallet, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")],
    );
    expect(
        &mut f,
        "Passport number: 912803456",
        &[(UsPassport, "912803456")],
    );
    expect(
        &mut f,
        "Driver's license D1234567 issued in CA",
        &[(UsDriverLicense, "D1234567")],
    );
    expect(
        &mut f,
        "Call me at +44 7911 123456 tomorrow",
        &[(Phone, "+44 7911 123456")],
    );
    expect(
        &mut f,
        "Visit https://example.com/path?q=1).",
        &[(Url, "https://example.com/path?q=1")],
    );
    expect(
        &mut f,
        "jwt=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        &[(
            Jwt,
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        )],
    );
    expect(
        &mut f,
        "Mr. O'Brien called about the refund",
        &[(Person, "O'Brien")],
    );
    expect(
        &mut f,
        "John F. Kennedy was born on May 29, 1917.",
        &[(Person, "John F. Kennedy"), (DateOfBirth, "May 29, 1917")],
    );
    expect(
        &mut f,
        "Thanks,\nSarah Johnson\nAccount Manager",
        &[(Person, "Sarah Johnson")],
    );
    expect(&mut f, "ssn 123456789", &[(UsSsn, "123456789")]);
    expect(
        &mut f,
        "Café owner Zoë Smith: zoe@café.example.com, tel (212) 555-0199",
        &[(Person, "Zoë Smith"), (Phone, "(212) 555-0199")],
    );
    assert!(f.is_empty(), "{} mismatches:\n{}", f.len(), f.join("\n"));
}

#[test]
fn look_alikes_are_not_found() {
    let mut f = Vec::new();
    for text in [
        "Order #4111111111111112 shipped",
        "Version 1.2.3.4 released; build 10.0.19041.1",
        "Meeting at 10:30:45 in room 12",
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
        "Invoice 2023-11-05 total $1,234.56",
        "The New York Times reported that Apple Inc. hired 500 people.",
        "Call center hours: Monday to Friday",
        "ISBN 978-3-16-148410-0",
        "Reference 123-45-67890",
        "AbstractSingletonProxyFactoryBean is a class",
        "Product ID: 550e8400-e29b-41d4-a716-446655440000",
        "Temperature 98.6 and pressure 120/80",
        "Order 123456789 shipped",
        "Grant Park is in Chicago",
        "Main Street and Baker Street",
        "Use std::io::Result in Rust",
        "Amount: 4111 1111",
        "Los Angeles Lakers won again",
        "Dear Customer, thank you for your order",
        "ticket 4538401916146107 closed",
        "build a1b323480f30 at 02:19, version 8.9.18",
        "invoice 584-604-230 paid",
        "the function get_user_account_balance_for_month returns",
        "see RFC 5321 section 4.5.3.1.1 and 2.3.4.5.6",
        "release 2024.10.02 on 12/12/2024",
        "Paris Hilton Hotel opens",
        "base64 payload aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Q=",
        "Jordan Smith Foundation grant",
    ] {
        expect(&mut f, text, &[]);
    }
    assert!(f.is_empty(), "{} mismatches:\n{}", f.len(), f.join("\n"));
}

#[test]
fn crafted_inputs_stay_linear() {
    // Each of these once made some scanner quadratic; 256 KiB must finish quickly even in debug.
    let inputs = [
        "a-".repeat(128 * 1024),
        "Aaa ".repeat(64 * 1024),
        "1.".repeat(128 * 1024),
        "a@".repeat(128 * 1024),
        ":".repeat(256 * 1024),
        "x".repeat(256 * 1024),
        "1 ".repeat(128 * 1024),
        "Mr. ".repeat(64 * 1024),
    ];
    for text in &inputs {
        let t = std::time::Instant::now();
        Detector::shared()
            .detect_text(text, &DetectOptions::default())
            .unwrap();
        assert!(
            t.elapsed().as_secs() < 20,
            "{:?}... took {:?}",
            &text[..8],
            t.elapsed()
        );
    }
}
