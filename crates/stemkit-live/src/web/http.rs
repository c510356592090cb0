//! Just enough HTTP/1.1 for the control page: one GET per connection, headers read up to a
//! fixed size, plain responses.

use std::io::{Read, Write};
use std::net::TcpStream;

/// Bytes of request head accepted; browsers send well under this.
const MAX_HEAD: usize = 16 * 1024;

/// A parsed request head.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Request {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) query: String,
    /// Header names lower-cased.
    pub(super) headers: Vec<(String, String)>,
}

impl Request {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `key` in the query string (no percent-decoding: tokens are hex).
    pub(super) fn param(&self, key: &str) -> Option<&str> {
        self.query
            .split('&')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
    }

    /// Whether this asks to become a websocket.
    pub(super) fn is_upgrade(&self) -> bool {
        self.header("upgrade")
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
    }
}

/// Reads a request head from `stream`; `None` for anything that is not one.
pub(super) fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut head = Vec::with_capacity(1024);
    let mut byte = [0_u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_HEAD || stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    parse(std::str::from_utf8(&head).ok()?)
}

fn parse(text: &str) -> Option<Request> {
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some(Request {
        method,
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
    })
}

/// Writes a complete response and closes the exchange.
pub(super) fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_path_query_and_headers() {
        let r = parse(
            "GET /ws?token=ab12&x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: WebSocket\r\n\r\n",
        )
        .expect("request");
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/ws");
        assert_eq!(r.param("token"), Some("ab12"));
        assert_eq!(r.param("tok"), None);
        assert_eq!(r.header("host"), Some("127.0.0.1:8080"));
        assert!(r.is_upgrade());
    }
}
