//! The all-in-one server on a free loopback port, for the tests that talk to it over HTTP.

use coffer_core::Settings;

/// The server's base URL, the sender that stops it when dropped, and its data folder.
pub type LocalServer = (String, tokio::sync::oneshot::Sender<()>, tempfile::TempDir);

/// Starts the all-in-one server on a free loopback port with the embedded backend in a
/// temporary folder; it stops when the returned sender drops.
pub async fn start_local_server() -> LocalServer {
    start_local_server_with(|_| {}).await
}

/// [`start_local_server`] with settings changed by `change`.
pub async fn start_local_server_with(change: impl FnOnce(&mut Settings)) -> LocalServer {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::embedded(dir.path());
    change(&mut settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(coffer_local::serve(settings, listener, async {
        let _ = stopped.await;
    }));
    (base, stop, dir)
}
