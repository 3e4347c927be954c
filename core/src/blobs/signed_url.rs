//! The local stack's presigned URLs: what S3's SigV4 query signing does on AWS, done with an
//! HMAC-SHA256 under a per-deployment secret. A URL names the method, the object, its expiry, the
//! encryption context and (for uploads) the content type; the signature covers all of them, so
//! changing any one of them, or using the URL after it expires, is refused.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::url_secret::{self, SECRET_LEN};
use super::{
    BlobError, Metadata, PresignRequest, PresignedMethod, PresignedUrl, check_metadata,
    check_presign,
};
use crate::clock::Clock;

/// The path under which the local server serves presigned URLs.
pub const LOCAL_BLOBS_PATH: &str = "/local-blobs";

/// Separates this MAC's inputs from any other use of the secret.
const DOMAIN: &[u8] = b"coffer/blob-url/v1\0";

/// Signs and checks the local stack's presigned URLs.
pub struct BlobUrlSigner {
    secret: Zeroizing<[u8; SECRET_LEN]>,
    /// Where clients reach the local server, without a trailing `/`.
    public_url: String,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for BlobUrlSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobUrlSigner")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

/// What a verified URL allows: the request it was signed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlGrant {
    pub encryption_context: Metadata,
    /// The content type an upload must declare, when the URL names one.
    pub content_type: Option<String>,
    pub expires_at: OffsetDateTime,
}

impl UrlGrant {
    /// The content type to store for an upload that declared `declared`: the signed one must be
    /// declared exactly (as S3 refuses a signed header sent with another value); without one,
    /// whatever was declared, else `application/octet-stream`.
    pub fn upload_content_type(&self, declared: Option<&str>) -> Result<String, UrlRefused> {
        match (&self.content_type, declared) {
            (Some(signed), Some(declared)) if signed == declared => Ok(signed.clone()),
            (Some(_), _) => Err(UrlRefused::ContentType),
            (None, Some(declared)) => Ok(declared.to_owned()),
            (None, None) => Ok("application/octet-stream".to_owned()),
        }
    }
}

/// Why a presented URL is refused (each a 403, as S3 answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    #[error("the URL is not a complete presigned URL")]
    Malformed,
    #[error("the URL's signature does not match the request")]
    BadSignature,
    #[error("the URL has expired")]
    Expired,
    #[error("the request's content type is not the one the URL was signed for")]
    ContentType,
}

impl BlobUrlSigner {
    /// A signer with the secret at `secret_path` (made on first use), handing out URLs under
    /// `public_url`, and judging expiry by `clock`.
    pub fn open(
        secret_path: impl AsRef<Path>,
        public_url: impl Into<String>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, BlobError> {
        let secret = url_secret::load_or_create(secret_path.as_ref())?;
        Ok(Self::with_secret(secret, public_url.into(), clock))
    }

    fn with_secret(
        secret: Zeroizing<[u8; SECRET_LEN]>,
        public_url: String,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            secret,
            public_url: public_url.trim_end_matches('/').to_owned(),
            clock,
        }
    }

    /// A URL for `request` that this signer (or another with the same secret) will accept until
    /// it expires.
    pub fn sign(&self, request: &PresignRequest) -> Result<PresignedUrl, BlobError> {
        check_presign(request)?;
        let now = self.clock.now();
        let expires_at = (now + request.expires_in)
            .replace_nanosecond(0)
            .map_err(BlobError::backend)?;
        let expires = expires_at.unix_timestamp().to_string();
        let context =
            serde_json::to_vec(&request.encryption_context).map_err(BlobError::backend)?;
        let ctx = URL_SAFE_NO_PAD.encode(context);
        let method = request.method.as_str();
        let content_type = request.content_type.as_deref();
        let sig =
            URL_SAFE_NO_PAD.encode(self.mac(method, &request.key, &expires, &ctx, content_type));

        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("method", method)
            .append_pair("expires", &expires)
            .append_pair("ctx", &ctx);
        if let Some(content_type) = content_type {
            query.append_pair("ct", content_type);
        }
        query.append_pair("sig", &sig);
        let headers = content_type
            .map(|ct| ("content-type".to_owned(), ct.to_owned()))
            .into_iter()
            .collect();
        Ok(PresignedUrl {
            url: format!(
                "{}{LOCAL_BLOBS_PATH}/{}?{}",
                self.public_url,
                request.key,
                query.finish()
            ),
            method,
            headers,
            expires_at,
        })
    }

    /// Checks a request for `method` on `key` carrying the URL's `query`: signed by this
    /// deployment for exactly that method, object, context and content type, and not expired.
    pub fn verify(
        &self,
        method: PresignedMethod,
        key: &str,
        query: Option<&str>,
    ) -> Result<UrlGrant, UrlRefused> {
        let params = Params::parse(query.unwrap_or_default())?;
        if params.method != method.as_str() {
            return Err(UrlRefused::BadSignature);
        }
        let given = URL_SAFE_NO_PAD
            .decode(&params.sig)
            .map_err(|_| UrlRefused::BadSignature)?;
        let expected = self.mac(
            method.as_str(),
            key,
            &params.expires,
            &params.ctx,
            params.ct.as_deref(),
        );
        if given.len() != expected.len() || !bool::from(expected.as_slice().ct_eq(&given)) {
            return Err(UrlRefused::BadSignature);
        }
        // Signed by us, so these parse unless our own signing was wrong.
        let expires: i64 = params.expires.parse().map_err(|_| UrlRefused::Malformed)?;
        if self.clock.unix() >= expires {
            return Err(UrlRefused::Expired);
        }
        let context = URL_SAFE_NO_PAD
            .decode(&params.ctx)
            .map_err(|_| UrlRefused::Malformed)?;
        let encryption_context: Metadata =
            serde_json::from_slice(&context).map_err(|_| UrlRefused::Malformed)?;
        check_metadata(&encryption_context).map_err(|_| UrlRefused::Malformed)?;
        Ok(UrlGrant {
            encryption_context,
            content_type: params.ct,
            expires_at: OffsetDateTime::from_unix_timestamp(expires)
                .map_err(|_| UrlRefused::Malformed)?,
        })
    }

    /// HMAC-SHA256 over every signed part, each length-prefixed so no two requests share an
    /// input, and the content type's presence marked so "none" differs from "empty".
    fn mac(
        &self,
        method: &str,
        key: &str,
        expires: &str,
        ctx: &str,
        content_type: Option<&str>,
    ) -> [u8; 32] {
        let mut mac = <Hmac<Sha256>>::new_from_slice(self.secret.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(DOMAIN);
        for part in [method, key, expires, ctx] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        match content_type {
            None => mac.update(&[0]),
            Some(ct) => {
                mac.update(&[1]);
                mac.update(&(ct.len() as u64).to_be_bytes());
                mac.update(ct.as_bytes());
            }
        }
        mac.finalize().into_bytes().into()
    }
}

/// A presigned URL's query, each parameter at most once.
struct Params {
    method: String,
    expires: String,
    ctx: String,
    ct: Option<String>,
    sig: String,
}

impl Params {
    fn parse(query: &str) -> Result<Self, UrlRefused> {
        let (mut method, mut expires, mut ctx, mut ct, mut sig) = (None, None, None, None, None);
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "method" => &mut method,
                "expires" => &mut expires,
                "ctx" => &mut ctx,
                "ct" => &mut ct,
                "sig" => &mut sig,
                // Like S3, other parameters are not ours to judge.
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(UrlRefused::Malformed);
            }
        }
        match (method, expires, ctx, sig) {
            (Some(method), Some(expires), Some(ctx), Some(sig)) => Ok(Self {
                method,
                expires,
                ctx,
                ct,
                sig,
            }),
            _ => Err(UrlRefused::Malformed),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::*;
    use crate::clock::ManualClock;

    const BASE: &str = "http://127.0.0.1:8080";

    fn signer_with(secret: u8, clock: Arc<ManualClock>) -> BlobUrlSigner {
        BlobUrlSigner::with_secret(
            Zeroizing::new([secret; SECRET_LEN]),
            BASE.to_owned(),
            clock as Arc<dyn Clock>,
        )
    }

    fn upload() -> PresignRequest {
        PresignRequest {
            method: PresignedMethod::Put,
            key: "ds/dst_1/rec_1/payload".into(),
            expires_in: Duration::from_secs(300),
            encryption_context: [
                ("dataset".to_owned(), "dst_1".to_owned()),
                ("record".to_owned(), "rec_1".to_owned()),
            ]
            .into(),
            content_type: Some("application/pdf; charset=x+y".into()),
        }
    }

    /// The key and query of a URL this signer made.
    fn split(url: &str) -> (String, String) {
        let rest = url
            .strip_prefix(&format!("{BASE}{LOCAL_BLOBS_PATH}/"))
            .unwrap();
        let (key, query) = rest.split_once('?').unwrap();
        (key.to_owned(), query.to_owned())
    }

    fn pairs(query: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn join(pairs: &[(String, String)]) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    }

    #[test]
    fn a_signed_url_opens_what_it_was_signed_for() {
        let clock = ManualClock::starting_now();
        let signer = signer_with(7, clock.clone());
        let url = signer.sign(&upload()).unwrap();
        assert_eq!(url.method, "PUT");
        assert_eq!(
            url.headers,
            [(
                "content-type".to_owned(),
                "application/pdf; charset=x+y".to_owned()
            )]
            .into()
        );
        let (key, query) = split(&url.url);
        assert_eq!(key, "ds/dst_1/rec_1/payload");
        let grant = signer
            .verify(PresignedMethod::Put, &key, Some(&query))
            .unwrap();
        assert_eq!(grant.encryption_context, upload().encryption_context);
        assert_eq!(grant.content_type, upload().content_type);
        assert_eq!(grant.expires_at, url.expires_at);
        assert!(url.expires_at > clock.now() + time::Duration::seconds(298));
    }

    #[test]
    fn a_url_is_refused_from_the_second_it_expires() {
        let clock = ManualClock::starting_now();
        let signer = signer_with(7, clock.clone());
        let url = signer.sign(&upload()).unwrap();
        let (key, query) = split(&url.url);
        let until_expiry = url.expires_at - clock.now();
        clock.advance(until_expiry - time::Duration::milliseconds(1));
        assert!(
            signer
                .verify(PresignedMethod::Put, &key, Some(&query))
                .is_ok()
        );
        clock.advance(time::Duration::milliseconds(1));
        assert_eq!(
            signer.verify(PresignedMethod::Put, &key, Some(&query)),
            Err(UrlRefused::Expired)
        );
    }

    #[test]
    fn a_url_for_uploading_does_not_download_and_back() {
        let clock = ManualClock::starting_now();
        let signer = signer_with(7, clock);
        let (key, query) = split(&signer.sign(&upload()).unwrap().url);
        assert_eq!(
            signer.verify(PresignedMethod::Get, &key, Some(&query)),
            Err(UrlRefused::BadSignature)
        );
        let mut download = upload();
        download.method = PresignedMethod::Get;
        download.content_type = None;
        let (key, query) = split(&signer.sign(&download).unwrap().url);
        assert!(
            signer
                .verify(PresignedMethod::Get, &key, Some(&query))
                .is_ok()
        );
        assert_eq!(
            signer.verify(PresignedMethod::Put, &key, Some(&query)),
            Err(UrlRefused::BadSignature)
        );
    }

    #[test]
    fn another_deployments_secret_does_not_open_the_url() {
        let clock = ManualClock::starting_now();
        let (key, query) = split(&signer_with(7, clock.clone()).sign(&upload()).unwrap().url);
        assert_eq!(
            signer_with(8, clock).verify(PresignedMethod::Put, &key, Some(&query)),
            Err(UrlRefused::BadSignature)
        );
    }

    #[test]
    fn a_missing_or_repeated_parameter_is_refused() {
        let clock = ManualClock::starting_now();
        let signer = signer_with(7, clock);
        let (key, query) = split(&signer.sign(&upload()).unwrap().url);
        assert_eq!(
            signer.verify(PresignedMethod::Put, &key, None),
            Err(UrlRefused::Malformed)
        );
        let all = pairs(&query);
        for dropped in 0..all.len() {
            let mut fewer = all.clone();
            let (name, _) = fewer.remove(dropped);
            assert!(
                signer
                    .verify(PresignedMethod::Put, &key, Some(&join(&fewer)))
                    .is_err(),
                "without {name}"
            );
        }
        let repeated = format!("{query}&expires=1");
        assert_eq!(
            signer.verify(PresignedMethod::Put, &key, Some(&repeated)),
            Err(UrlRefused::Malformed)
        );
        let extra = format!("{query}&x-id=PutObject");
        assert!(
            signer
                .verify(PresignedMethod::Put, &key, Some(&extra))
                .is_ok()
        );
    }

    #[test]
    fn the_signed_content_type_must_be_declared_exactly() {
        let signed = UrlGrant {
            encryption_context: Metadata::new(),
            content_type: Some("text/csv".into()),
            expires_at: OffsetDateTime::UNIX_EPOCH,
        };
        assert_eq!(
            signed.upload_content_type(Some("text/csv")).unwrap(),
            "text/csv"
        );
        assert_eq!(
            signed.upload_content_type(Some("text/plain")),
            Err(UrlRefused::ContentType)
        );
        assert_eq!(
            signed.upload_content_type(None),
            Err(UrlRefused::ContentType)
        );
        let unsigned = UrlGrant {
            content_type: None,
            ..signed
        };
        assert_eq!(
            unsigned.upload_content_type(Some("text/plain")).unwrap(),
            "text/plain"
        );
        assert_eq!(
            unsigned.upload_content_type(None).unwrap(),
            "application/octet-stream"
        );
    }

    proptest! {
        #[test]
        fn changing_any_signed_parameter_is_refused(which in 0usize..5, replacement in "[ -~]{0,40}") {
            let clock = ManualClock::starting_now();
            let signer = signer_with(7, clock);
            let (key, query) = split(&signer.sign(&upload()).unwrap().url);
            let mut changed = pairs(&query);
            prop_assume!(changed[which].1 != replacement);
            changed[which].1 = replacement;
            prop_assert!(signer.verify(PresignedMethod::Put, &key, Some(&join(&changed))).is_err());
        }

        #[test]
        fn changing_the_key_is_refused(other in "[a-z0-9_/.=-]{1,60}") {
            let clock = ManualClock::starting_now();
            let signer = signer_with(7, clock);
            let (key, query) = split(&signer.sign(&upload()).unwrap().url);
            prop_assume!(other != key);
            prop_assert_eq!(
                signer.verify(PresignedMethod::Put, &other, Some(&query)),
                Err(UrlRefused::BadSignature)
            );
        }

        #[test]
        fn flipping_any_bit_of_the_signature_is_refused(byte in 0usize..32, bit in 0u8..8) {
            let clock = ManualClock::starting_now();
            let signer = signer_with(7, clock);
            let (key, query) = split(&signer.sign(&upload()).unwrap().url);
            let mut changed = pairs(&query);
            let sig = changed.iter_mut().find(|(name, _)| name == "sig").unwrap();
            let mut raw = URL_SAFE_NO_PAD.decode(&sig.1).unwrap();
            raw[byte] ^= 1 << bit;
            sig.1 = URL_SAFE_NO_PAD.encode(raw);
            prop_assert_eq!(
                signer.verify(PresignedMethod::Put, &key, Some(&join(&changed))),
                Err(UrlRefused::BadSignature)
            );
        }

        #[test]
        fn a_different_context_or_content_type_signs_differently(
            record in "[a-z0-9_]{1,20}",
            content_type in proptest::option::of("[a-z]{1,10}/[a-z]{1,10}"),
        ) {
            let clock = ManualClock::starting_now();
            let signer = signer_with(7, clock);
            let (key, query) = split(&signer.sign(&upload()).unwrap().url);
            let mut other = upload();
            other.encryption_context.insert("record".into(), record);
            other.content_type = content_type;
            prop_assume!(other.encryption_context != upload().encryption_context
                || other.content_type != upload().content_type);
            let (_, other_query) = split(&signer.sign(&other).unwrap().url);
            // Grafting the other request's signature onto this one's parameters fails.
            let mut grafted = pairs(&query);
            let other_sig = pairs(&other_query).into_iter().find(|(n, _)| n == "sig").unwrap();
            let sig = grafted.iter_mut().find(|(n, _)| n == "sig").unwrap();
            *sig = other_sig;
            prop_assert_eq!(
                signer.verify(PresignedMethod::Put, &key, Some(&join(&grafted))),
                Err(UrlRefused::BadSignature)
            );
        }
    }
}
