//! The client's IP: API Gateway's `sourceIp` on Lambda, the socket's peer locally. A forwarded
//! header is believed only from a proxy that `COFFER_TRUSTED_PROXIES` names (addresses or CIDR
//! ranges), and only as far as it can be: walking `X-Forwarded-For` from the right, each trusted
//! hop vouches for the entry before it; the first untrusted entry is the client, and an entry
//! that is not an address ends the walk at the last hop that was one.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::USER_AGENT;
use axum::http::request::Parts;

use super::{AppState, current_request_id};
use crate::audit::RequestOrigin;

const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's IP, when the transport says it (it always does on Lambda and on the local
/// server; an in-process test may leave it unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(client_ip(parts, &state.settings.trusted_proxies)))
    }
}

/// The IP the request came from: the transport's peer, or — when that peer is a trusted proxy —
/// the right-most `X-Forwarded-For` entry that is not a trusted proxy, walking left only while
/// entries are valid addresses of trusted proxies.
pub fn client_ip(parts: &Parts, trusted_proxies: &[IpNet]) -> Option<IpAddr> {
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    let peer = transport_peer(parts)?;
    if !trusted(&peer) {
        return Some(peer);
    }
    // Several headers are one list, in order.
    let entries: Vec<&str> = parts
        .headers
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut nearest = peer;
    for entry in entries.iter().rev() {
        let Ok(ip) = entry.parse::<IpAddr>().map(|ip| ip.to_canonical()) else {
            // Whoever wrote this entry is not believable: the hop that passed it on is the
            // furthest we know.
            return Some(nearest);
        };
        if !trusted(&ip) {
            return Some(ip);
        }
        nearest = ip;
    }
    Some(nearest)
}

fn transport_peer(parts: &Parts) -> Option<IpAddr> {
    if let Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) =
        parts
            .extensions
            .get::<lambda_http::request::RequestContext>()
    {
        return ctx.http.source_ip.as_deref().and_then(|ip| ip.parse().ok());
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_canonical())
}

/// Where the request came from: IP, request id and user agent, for sessions and the audit.
impl FromRequestParts<AppState> for RequestOrigin {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self {
            ip: client_ip(parts, &state.settings.trusted_proxies),
            request_id: current_request_id(),
            user_agent: parts
                .headers
                .get(USER_AGENT)
                .and_then(|value| value.to_str().ok())
                .map(|agent| {
                    agent
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(256)
                        .collect()
                }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(peer: Option<&str>, forwarded: Option<&str>) -> Parts {
        let mut builder = Request::builder().uri("/");
        if let Some(forwarded) = forwarded {
            builder = builder.header(FORWARDED_FOR, forwarded);
        }
        let mut request = builder.body(()).unwrap();
        if let Some(peer) = peer {
            let addr: SocketAddr = peer.parse().unwrap();
            request.extensions_mut().insert(ConnectInfo(addr));
        }
        request.into_parts().0
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_socket_peer_is_the_client_and_a_forwarded_header_is_ignored() {
        let p = parts(Some("198.51.100.9:5000"), Some("203.0.113.7"));
        assert_eq!(client_ip(&p, &[]), Some(ip("198.51.100.9")));
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_forwarded_address_is_the_client() {
        let proxies = nets(&["10.0.0.1/32"]);
        let p = parts(
            Some("10.0.0.1:5000"),
            Some("1.1.1.1, 203.0.113.7, 10.0.0.1"),
        );
        assert_eq!(client_ip(&p, &proxies), Some(ip("203.0.113.7")));
        let no_header = parts(Some("10.0.0.1:5000"), None);
        assert_eq!(client_ip(&no_header, &proxies), Some(ip("10.0.0.1")));
    }

    #[test]
    fn one_garbage_entry_no_longer_puts_everyone_behind_the_proxy_in_one_bucket() {
        // Before: an unparsable entry anywhere discarded the whole header, so every client of
        // the proxy counted as the proxy.
        let proxies = nets(&["10.0.0.0/8"]);
        let p = parts(Some("10.0.0.1:5000"), Some("junk, 203.0.113.7"));
        assert_eq!(client_ip(&p, &proxies), Some(ip("203.0.113.7")));
        // A garbage entry right of the client ends the walk at the last trusted hop.
        let p = parts(Some("10.0.0.1:5000"), Some("203.0.113.7, junk, 10.0.0.2"));
        assert_eq!(client_ip(&p, &proxies), Some(ip("10.0.0.2")));
    }

    #[test]
    fn trusted_proxies_may_be_cidr_ranges_spanning_several_hops() {
        let proxies = nets(&["10.0.0.0/8", "fd00::/8"]);
        let p = parts(
            Some("10.1.2.3:5000"),
            Some("198.51.100.4, 203.0.113.7, fd00::5, 10.9.9.9"),
        );
        assert_eq!(client_ip(&p, &proxies), Some(ip("203.0.113.7")));
        // A client cannot hide behind a forged trusted address to its left.
        let p = parts(Some("10.1.2.3:5000"), Some("10.5.5.5, 203.0.113.7"));
        assert_eq!(client_ip(&p, &proxies), Some(ip("203.0.113.7")));
    }

    #[test]
    fn ipv4_mapped_peers_read_as_ipv4_and_no_transport_means_unknown() {
        let p = parts(Some("[::ffff:203.0.113.7]:5000"), None);
        assert_eq!(client_ip(&p, &[]), Some(ip("203.0.113.7")));
        assert_eq!(client_ip(&parts(None, Some("203.0.113.7")), &[]), None);
    }
}
