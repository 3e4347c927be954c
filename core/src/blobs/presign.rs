//! Presigned URLs: what a caller asks for and what it gets back. Payloads too large for a Lambda
//! request travel between the client and the store directly, through a URL bound to one object.

use std::collections::BTreeMap;
use std::time::Duration;

use time::OffsetDateTime;

use super::{BlobError, Metadata, check_key, check_metadata};

/// The largest object a presigned PUT accepts (S3's limit for a single PUT).
pub const MAX_PRESIGNED_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// The longest a presigned URL may live (SigV4's limit, kept locally so both backends agree).
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

/// What a presigned URL lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresignedMethod {
    Put,
    Get,
}

impl PresignedMethod {
    /// The HTTP method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Put => "PUT",
            Self::Get => "GET",
        }
    }
}

/// A request for a presigned URL to one object.
#[derive(Debug, Clone)]
pub struct PresignRequest {
    pub method: PresignedMethod,
    pub key: String,
    pub expires_in: Duration,
    /// Names whose object it is (e.g. {"dataset": "dst_..", "record": "rec_.."}): on S3 the SSE-KMS
    /// encryption context (signed, so an upload without it is refused); locally bound into the
    /// signature. Both backends also keep it as the object's metadata.
    pub encryption_context: Metadata,
    /// PUT only: the content type the upload must declare (signed).
    pub content_type: Option<String>,
}

/// A presigned URL and what its user must send with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedUrl {
    pub url: String,
    /// "PUT" or "GET".
    pub method: &'static str,
    /// Headers the request must carry exactly (signed ones, e.g. x-amz-server-side-encryption*).
    pub headers: BTreeMap<String, String>,
    pub expires_at: OffsetDateTime,
}

/// The rules both backends apply before signing, so a request one accepts the other does too.
pub(crate) fn check_presign(request: &PresignRequest) -> Result<(), BlobError> {
    check_key(&request.key)?;
    check_metadata(&request.encryption_context)?;
    if request.expires_in < Duration::from_secs(1) || request.expires_in > MAX_PRESIGN_EXPIRY {
        return Err(BlobError::InvalidPresign(
            "expires_in must be from 1 second to 7 days",
        ));
    }
    match (&request.content_type, request.method) {
        (None, _) => Ok(()),
        (Some(_), PresignedMethod::Get) => Err(BlobError::InvalidPresign(
            "content_type is for PUT URLs only",
        )),
        (Some(content_type), PresignedMethod::Put) => {
            let ok = (1..=255).contains(&content_type.len())
                && content_type
                    .chars()
                    .all(|c| c.is_ascii_graphic() || c == ' ');
            if ok {
                Ok(())
            } else {
                Err(BlobError::InvalidPresign(
                    "content_type must be 1 to 255 printable ASCII characters",
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> PresignRequest {
        PresignRequest {
            method: PresignedMethod::Put,
            key: "ds/dst_1/rec_1".into(),
            expires_in: Duration::from_secs(300),
            encryption_context: [("dataset".to_owned(), "dst_1".to_owned())].into(),
            content_type: Some("application/pdf".into()),
        }
    }

    #[test]
    fn a_well_formed_request_passes() {
        assert!(check_presign(&request()).is_ok());
    }

    #[test]
    fn expiry_outside_one_second_to_a_week_is_refused() {
        for bad in [
            Duration::ZERO,
            Duration::from_millis(999),
            MAX_PRESIGN_EXPIRY * 2,
        ] {
            let mut r = request();
            r.expires_in = bad;
            assert!(
                matches!(check_presign(&r), Err(BlobError::InvalidPresign(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_content_type_is_for_uploads_only_and_must_be_printable() {
        let mut get = request();
        get.method = PresignedMethod::Get;
        assert!(check_presign(&get).is_err());
        get.content_type = None;
        assert!(check_presign(&get).is_ok());
        for bad in ["", "text/plain\r\nx: y", "ä"] {
            let mut r = request();
            r.content_type = Some(bad.into());
            assert!(check_presign(&r).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn unsafe_keys_and_contexts_are_refused() {
        let mut r = request();
        r.key = "../x".into();
        assert!(matches!(check_presign(&r), Err(BlobError::InvalidKey(_))));
        let mut r = request();
        r.encryption_context = [("Dataset".to_owned(), "x".to_owned())].into();
        assert!(matches!(check_presign(&r), Err(BlobError::InvalidMetadata)));
    }
}
