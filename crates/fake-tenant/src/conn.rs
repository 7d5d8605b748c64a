//! What a handler knows of the connection a request arrived on. The server makes one per
//! connection and hands it to the handlers with each request; it imports none of them.

use std::sync::Arc;
use tokio::sync::Notify;

/// Per-connection context: lets a handler close its TCP connection without answering.
#[derive(Clone)]
pub(crate) struct ConnCtx(pub(crate) Arc<Notify>, pub(crate) Option<Arc<str>>);

impl ConnCtx {
    /// Closes the connection this request arrived on.
    pub(crate) fn kill(&self) {
        self.0.notify_one();
    }

    /// The SHA-256 thumbprint (base64url) of the certificate the client presented in the TLS
    /// handshake, on the mTLS alias.
    pub(crate) fn peer_x5t(&self) -> Option<&str> {
        self.1.as_deref()
    }
}
