//! The web control surface: the binary serves one page (no internet assets) and a
//! websocket that carries controls in and meters out.
//!
//! - `GET /` the page; `GET /state` the mix as JSON; `GET /ws` the websocket.
//! - Page → server: `{"address": "/stemkit/stem/Bass/gain_db", "args": [-6]}` (the
//!   address space of [`crate::address`]); with `"learn": true` it arms MIDI learn for
//!   that address instead.
//! - Server → page: `hello` (session, names, rates) on connect, `state` whenever any
//!   surface changes the mix, `overview` once the waveform scan is done, and `m` (meters,
//!   playhead, transport, underruns, load) 30 times a second.
//!
//! Beyond loopback every request needs `?token=` (the page passes it on to the websocket);
//! on any address a websocket is accepted only from the page's own origin, so another web
//! site open in the same browser cannot drive the mix.

mod http;
mod meters;
mod socket;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::access::Access;
use crate::{LiveError, LiveHandle};
use meters::MeterFeed;

const PAGE: &str = include_str!("page.html");

/// A running web surface. Stops accepting when dropped (open pages are closed within a
/// frame).
pub struct WebServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    feed: Option<MeterFeed>,
}

impl std::fmt::Debug for WebServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl WebServer {
    /// Main thread: binds `addr` (port 0 picks a free port) and serves.
    ///
    /// # Errors
    /// The address cannot be bound.
    pub fn start(addr: SocketAddr, handle: LiveHandle, access: Access) -> Result<Self, LiveError> {
        let net = |source| LiveError::Net {
            what: "HTTP",
            addr: addr.to_string(),
            source,
        };
        let listener = TcpListener::bind(addr).map_err(net)?;
        listener.set_nonblocking(true).map_err(net)?;
        let bound = listener.local_addr().map_err(net)?;
        let stop = Arc::new(AtomicBool::new(false));
        let feed = MeterFeed::start(handle.clone(), Arc::clone(&stop))?;
        let flag = Arc::clone(&stop);
        let snapshot = feed.snapshot();
        let thread = std::thread::Builder::new()
            .name("stemkit-http".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (h, a, s, f) = (
                                handle.clone(),
                                access.clone(),
                                Arc::clone(&snapshot),
                                Arc::clone(&flag),
                            );
                            let _ = std::thread::Builder::new()
                                .name("stemkit-http-client".into())
                                .spawn(move || serve(stream, &h, &a, &s, &f));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            })
            .map_err(|e| LiveError::Thread(format!("cannot start the web server: {e}")))?;
        Ok(Self {
            addr: bound,
            stop,
            thread: Some(thread),
            feed: Some(feed),
        })
    }

    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        drop(self.feed.take());
    }
}

fn serve(
    mut stream: TcpStream,
    handle: &LiveHandle,
    access: &Access,
    snapshot: &meters::Snapshot,
    stop: &AtomicBool,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Some(req) = http::read_request(&mut stream) else {
        return;
    };
    if req.method != "GET" {
        return http::respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"only GET\n",
        );
    }
    if !access.admits(req.param("token")) {
        return http::respond(
            &mut stream,
            "403 Forbidden",
            "text/plain",
            b"this session needs ?token=<the token printed at start>\n",
        );
    }
    match req.path.as_str() {
        "/" | "/index.html" => http::respond(
            &mut stream,
            "200 OK",
            "text/html; charset=utf-8",
            PAGE.as_bytes(),
        ),
        "/state" => {
            let body = serde_json::to_vec(&handle.state().0).unwrap_or_default();
            http::respond(&mut stream, "200 OK", "application/json", &body);
        }
        "/ws" if req.is_upgrade() => {
            if !socket::same_origin(&req) {
                return http::respond(
                    &mut stream,
                    "403 Forbidden",
                    "text/plain",
                    b"websocket from another origin\n",
                );
            }
            socket::run(stream, &req, handle, snapshot, stop);
        }
        _ => http::respond(&mut stream, "404 Not Found", "text/plain", b"not found\n"),
    }
}
