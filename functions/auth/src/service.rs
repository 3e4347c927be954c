//! The [`Auth`] extractor: the process's [`AuthService`], built once from the app state.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use coffer_core::auth::AuthService;
use coffer_core::http::{ApiError, AppState};
use tokio::sync::OnceCell;

/// Where the routes find their service: built lazily on first use, or handed in ready.
#[derive(Debug, Clone, Default)]
pub struct AuthHandle(Arc<OnceCell<Arc<AuthService>>>);

impl AuthHandle {
    pub fn ready(service: Arc<AuthService>) -> Self {
        Self(Arc::new(OnceCell::new_with(Some(service))))
    }
}

/// The identity service, for a handler.
#[derive(Debug, Clone)]
pub struct Auth(pub Arc<AuthService>);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let handle = parts
            .extensions
            .get::<AuthHandle>()
            .cloned()
            .ok_or_else(|| {
                ApiError::Internal("the auth routes were built without their service".into())
            })?;
        let service = handle
            .0
            .get_or_try_init(|| async {
                AuthService::from_settings(&state.settings, &state.ports)
                    .await
                    .map(Arc::new)
            })
            .await?;
        Ok(Self(Arc::clone(service)))
    }
}
