//! How a function group gets its service: built once per process from the settings and the
//! ports (at cold start on Lambda, before the first request), handed to handlers by the
//! [`Service`] extractor. Every group (`auth`, `pii`, `orgs`, ...) uses this and nothing else:
//!
//! ```ignore
//! impl GroupService for OrgsService {
//!     async fn build(state: &AppState) -> Result<Self, ApiError> { ... }
//! }
//! pub fn group() -> FunctionGroup {
//!     FunctionGroup::new(RouteGroup::new().routes(routes!(create_org))).with_service::<OrgsService>()
//! }
//! async fn create_org(Service(orgs): Service<OrgsService>, ...) { ... }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Extension;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tokio::sync::OnceCell;

use super::{ApiError, AppState, BodyLimit, RouteGroup};

/// A group's service: how to build it from the settings and ports, and what to warm up.
pub trait GroupService: Send + Sync + Sized + 'static {
    /// Builds the service from the process's settings, ports and shared parts (the access
    /// tokens). Makes no request-path I/O that could be deferred.
    fn build(state: &AppState) -> impl Future<Output = Result<Self, ApiError>> + Send;

    /// CPU-heavy preparation (compiled detectors, the dummy password hash) run at cold start,
    /// not on a request. Never network I/O: nothing at init waits on a dependency (a cold start
    /// stays short, and an outage cannot fail it); keys load on the first request that needs
    /// them. Failures are logged by the implementation; the first request retries.
    fn warm(&self) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// Where one group's service lives for the life of the process: built on first need, or
/// handed in ready (tests and benches reach into it).
#[derive(Debug)]
pub struct ServiceCell<S>(Arc<OnceCell<Arc<S>>>);

impl<S> Clone for ServiceCell<S> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<S> Default for ServiceCell<S> {
    fn default() -> Self {
        Self(Arc::new(OnceCell::new()))
    }
}

impl<S: GroupService> ServiceCell<S> {
    /// A cell holding a service built by the caller.
    pub fn ready(service: Arc<S>) -> Self {
        Self(Arc::new(OnceCell::new_with(Some(service))))
    }

    /// The service, built now if this is the first need.
    pub async fn get(&self, state: &AppState) -> Result<Arc<S>, ApiError> {
        self.0
            .get_or_try_init(|| async {
                let service = S::build(state).await?;
                Ok::<_, ApiError>(Arc::new(service))
            })
            .await
            .map(Arc::clone)
    }
}

/// A handler's view of its group's service.
#[derive(Debug)]
pub struct Service<S>(pub Arc<S>);

impl<S: GroupService> FromRequestParts<AppState> for Service<S> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let cell = parts
            .extensions
            .get::<ServiceCell<S>>()
            .cloned()
            .ok_or_else(|| {
                ApiError::Internal(
                    format!(
                        "the routes were built without their {}",
                        std::any::type_name::<S>()
                    )
                    .into(),
                )
            })?;
        Ok(Self(cell.get(state).await?))
    }
}

type WarmUp = Arc<
    dyn Fn(AppState) -> Pin<Box<dyn Future<Output = Result<(), ApiError>> + Send>> + Send + Sync,
>;

/// One function's routes with the services they use, and the warm-up each needs.
pub struct FunctionGroup {
    pub routes: RouteGroup,
    warm_ups: Vec<WarmUp>,
}

impl FunctionGroup {
    pub fn new(routes: RouteGroup) -> Self {
        Self {
            routes,
            warm_ups: Vec::new(),
        }
    }

    /// The routes get `S` (built on first need) through [`Service<S>`].
    pub fn with_service<S: GroupService>(self) -> Self {
        self.with_cell(ServiceCell::<S>::default())
    }

    /// The routes get the service in `cell` (for tests that build it themselves).
    pub fn with_cell<S: GroupService>(mut self, cell: ServiceCell<S>) -> Self {
        self.routes = self.routes.route_layer(Extension(cell.clone()));
        self.warm_ups.push(Arc::new(move |state: AppState| {
            let cell = cell.clone();
            Box::pin(async move {
                cell.get(&state).await?.warm().await;
                Ok(())
            })
        }));
        self
    }

    /// Bounds the group's JSON bodies by another setting than `COFFER_MAX_BODY_BYTES`.
    pub fn with_body_limit(mut self, limit: BodyLimit) -> Self {
        self.routes = self.routes.route_layer(Extension(limit));
        self
    }

    /// Builds and warms every service of the group (at cold start). A failure is logged: the
    /// first request that needs the service tries again and answers the error.
    pub async fn warm(&self, state: &AppState) {
        for warm_up in &self.warm_ups {
            if let Err(err) = warm_up(state.clone()).await {
                tracing::error!(error = %err, "a service could not be built at start");
            }
        }
    }
}

impl From<RouteGroup> for FunctionGroup {
    fn from(routes: RouteGroup) -> Self {
        Self::new(routes)
    }
}
