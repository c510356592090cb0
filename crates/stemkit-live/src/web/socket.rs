//! One open page: the websocket handshake, then controls in and state and meters out.

use std::io::Write;
use std::net::TcpStream;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;
use tungstenite::protocol::Role;
use tungstenite::{Message, WebSocket};

use super::http::Request;
use super::meters::{FPS, Snapshot};
use crate::LiveHandle;

/// A control message from the page.
#[derive(Deserialize)]
struct Incoming {
    address: String,
    #[serde(default)]
    args: Vec<Option<f64>>,
    /// Arm MIDI learn for the address instead of sending it.
    #[serde(default)]
    learn: bool,
}

/// Whether the page asking for the websocket was served by this server (or the client is
/// not a browser and sends no origin).
pub(super) fn same_origin(req: &Request) -> bool {
    match (req.header("origin"), req.header("host")) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin.strip_prefix("http://") == Some(host),
        (Some(_), None) => false,
    }
}

fn hello(handle: &LiveHandle) -> String {
    let t = handle.time();
    json!({
        "t": "hello",
        "stems": handle.names().stems,
        "returns": handle.names().returns,
        "sample_rate": t.sample_rate,
        "bpm": t.bpm,
        "beats_per_bar": t.beats_per_bar,
        "song_end": t.song_end,
        "latency": handle.latency(),
        "fps": FPS,
    })
    .to_string()
}

/// Serves one websocket until the page goes away or the server stops.
pub(super) fn run(
    mut stream: TcpStream,
    req: &Request,
    handle: &LiveHandle,
    snapshot: &Snapshot,
    stop: &AtomicBool,
) {
    let Some(key) = req.header("sec-websocket-key") else {
        return;
    };
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let _ = stream.set_read_timeout(Some(Duration::from_millis(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let mut ws = WebSocket::from_raw_socket(stream, Role::Server, None);
    if ws.send(Message::text(hello(handle))).is_err() {
        return;
    }
    let (mut sent_state, mut sent_meter, mut sent_overview) = (None, 0, false);
    let mut next_frame = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        match ws.read() {
            Ok(Message::Text(text)) => {
                let reply = match serde_json::from_str::<Incoming>(&text) {
                    Ok(m) if m.learn => handle
                        .arm_midi_learn(&m.address)
                        .err()
                        .map(|e| e.to_string()),
                    Ok(m) => {
                        let args: Vec<f64> = m
                            .args
                            .iter()
                            .map(|a| a.unwrap_or(f64::NEG_INFINITY))
                            .collect();
                        handle
                            .send_address(&m.address, &args)
                            .err()
                            .map(|e| e.to_string())
                    }
                    Err(e) => Some(format!("not a control message: {e}")),
                };
                if let Some(problem) = reply {
                    eprintln!("web page: {problem}");
                    if ws
                        .send(Message::text(
                            json!({"t": "error", "message": problem}).to_string(),
                        ))
                        .is_err()
                    {
                        return;
                    }
                }
                continue;
            }
            Ok(Message::Close(_)) => return,
            Ok(_) => continue,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
        if Instant::now() < next_frame {
            continue;
        }
        next_frame += Duration::from_millis(1000 / FPS);
        let (state, version) = handle.state();
        if sent_state != Some(version) {
            sent_state = Some(version);
            let msg = json!({"t": "state", "state": state}).to_string();
            if ws.send(Message::text(msg)).is_err() {
                return;
            }
        }
        if !sent_overview && let Some(o) = handle.overview() {
            sent_overview = true;
            if ws
                .send(Message::text(
                    json!({"t": "overview", "overview": o}).to_string(),
                ))
                .is_err()
            {
                return;
            }
        }
        let (seq, text) = snapshot
            .lock()
            .map(|g| g.clone())
            .unwrap_or_else(|p| PoisonError::into_inner(p).clone());
        if seq != sent_meter && !text.is_empty() {
            sent_meter = seq;
            if ws.send(Message::text(text.to_string())).is_err() {
                return;
            }
        }
    }
    let _ = ws.close(None);
}
