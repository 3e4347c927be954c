//! A client certificate: an Ed25519 public key a client signs its assertions with, named by
//! its id (the assertions' `kid`). The private key is made here, handed out once in PKCS#8 PEM,
//! and never stored.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::EncodePrivateKey as _;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::{SigningKey, VerifyingKey};
use secrecy::SecretString;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::ClientError;
use crate::crypto::random;
use crate::ids::{CertificateId, ClientId, OrgId};
use crate::store::attrs::{self, BadAttribute, rfc3339};
use crate::store::{Item, schema};
use crate::tokens::Jwk;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// Also the `kid` of the assertions it verifies.
    pub id: CertificateId,
    pub client_id: ClientId,
    pub org_id: OrgId,
    /// The Ed25519 public key.
    pub public_key: [u8; 32],
    pub created_at: OffsetDateTime,
    /// The principal that created it (a user or client id).
    pub created_by: String,
}

/// A certificate just made, with the private key that exists only in this value: shown once in
/// the reply, never stored or logged (its `Debug` redacts it).
#[derive(Debug)]
pub struct IssuedCertificate {
    pub certificate: Certificate,
    /// PKCS#8, PEM (`-----BEGIN PRIVATE KEY-----`).
    pub private_key_pem: SecretString,
}

impl Certificate {
    /// A new key pair for `client`: the certificate and its private key in PEM.
    pub fn generate(
        id: CertificateId,
        client: &ClientId,
        org: &OrgId,
        created_at: OffsetDateTime,
        created_by: String,
    ) -> Result<IssuedCertificate, ClientError> {
        let seed = Zeroizing::new(random::bytes::<32>()?);
        let signing = SigningKey::from_bytes(&seed);
        let pem = signing
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| ClientError::KeyEncoding)?;
        Ok(IssuedCertificate {
            certificate: Self {
                id,
                client_id: client.clone(),
                org_id: org.clone(),
                public_key: signing.verifying_key().to_bytes(),
                created_at,
                created_by,
            },
            private_key_pem: SecretString::from(pem.as_str()),
        })
    }

    /// The key id assertions name in their header.
    pub fn kid(&self) -> &str {
        self.id.as_str()
    }

    /// The public key as a JWK (`OKP`, `Ed25519`, `EdDSA`, `sig`).
    pub fn jwk(&self) -> Jwk {
        Jwk::ed25519(self.kid(), &self.public_key)
    }

    /// The key that checks the client's signatures (a stored key that is not a valid point is
    /// a corrupt record).
    pub fn verifying_key(&self) -> Result<VerifyingKey, BadAttribute> {
        VerifyingKey::from_bytes(&self.public_key).map_err(|_| BadAttribute("public_key"))
    }

    pub fn to_item(&self) -> Item {
        Item::new(schema::client_certificate(&self.client_id, &self.id))
            .with_attr("id", self.id.as_str())
            .with_attr("client_id", self.client_id.as_str())
            .with_attr("org_id", self.org_id.as_str())
            .with_attr("public_key", URL_SAFE_NO_PAD.encode(self.public_key))
            .with_attr("created_at", rfc3339(self.created_at))
            .with_attr("created_by", self.created_by.as_str())
    }

    pub fn from_item(item: &Item) -> Result<Self, BadAttribute> {
        Ok(Self {
            id: attrs::parsed(item, "id", CertificateId::parse)?,
            client_id: attrs::parsed(item, "client_id", ClientId::parse)?,
            org_id: attrs::parsed(item, "org_id", OrgId::parse)?,
            public_key: attrs::parsed(item, "public_key", |raw| {
                let mut key = [0u8; 32];
                let len = URL_SAFE_NO_PAD.decode_slice(raw, &mut key).ok()?;
                (len == key.len()).then_some(key)
            })?,
            created_at: attrs::time(item, "created_at")?,
            created_by: attrs::text(item, "created_by")?.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer as _;
    use ed25519_dalek::pkcs8::DecodePrivateKey as _;
    use secrecy::ExposeSecret as _;

    fn issued() -> IssuedCertificate {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        Certificate::generate(
            CertificateId::generate(now).unwrap(),
            &ClientId::generate(now).unwrap(),
            &OrgId::generate(now).unwrap(),
            now,
            "usr_01hzzzzzzzzzzzzzzzzzzzzzzz".into(),
        )
        .unwrap()
    }

    #[test]
    fn the_pem_holds_the_private_key_of_the_stored_public_key() {
        let issued = issued();
        let pem = issued.private_key_pem.expose_secret();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
        let signing = SigningKey::from_pkcs8_pem(pem).unwrap();
        let verifying = issued.certificate.verifying_key().unwrap();
        assert_eq!(verifying.to_bytes(), issued.certificate.public_key);
        let signature = signing.sign(b"assertion");
        assert!(verifying.verify_strict(b"assertion", &signature).is_ok());
    }

    #[test]
    fn the_item_holds_the_public_key_only_and_reads_back() {
        let issued = issued();
        let item = issued.certificate.to_item();
        let stored = serde_json::to_string(&item.attrs).unwrap();
        assert!(!stored.to_lowercase().contains("private"));
        assert_eq!(Certificate::from_item(&item).unwrap(), issued.certificate);
        assert!(!format!("{issued:?}").contains("PRIVATE KEY"));
    }

    #[test]
    fn the_jwk_names_the_certificate_as_its_kid() {
        let issued = issued();
        let jwk = issued.certificate.jwk();
        assert_eq!(
            (jwk.kty, jwk.crv, jwk.alg, jwk.use_),
            ("OKP", "Ed25519", "EdDSA", "sig")
        );
        assert_eq!(jwk.kid, issued.certificate.id.as_str());
        assert_eq!(
            URL_SAFE_NO_PAD.decode(&jwk.x).unwrap(),
            issued.certificate.public_key
        );
    }

    #[test]
    fn a_stored_key_of_the_wrong_length_is_a_corrupt_record() {
        let issued = issued();
        let item = issued.certificate.to_item().with_attr("public_key", "AAAA");
        assert_eq!(
            Certificate::from_item(&item),
            Err(BadAttribute("public_key"))
        );
    }
}
