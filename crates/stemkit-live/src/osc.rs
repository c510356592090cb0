//! The OSC surface: UDP messages of the address space ([`crate::address`]).
//!
//! Numbers may come as int, float, double, long or bool. Bundles are unpacked and applied
//! at once (their time tags are not waited for: a performer wants it now). A refused
//! message is logged and answered to its sender with `/stemkit/error "<reason>"`; the
//! audio goes on. When the surface is reachable beyond loopback, a sender must first send
//! `/stemkit/auth "<token>"` from its address; until then its messages are refused.
//! `/stemkit/midi/learn "<address>"` binds the next MIDI controller moved to that address.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use rosc::{OscMessage, OscPacket, OscType};

use crate::access::Access;
use crate::{LiveError, LiveHandle};

/// A running OSC listener. Stops when dropped.
pub struct OscServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for OscServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OscServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl OscServer {
    /// Main thread: binds `addr` (port 0 picks a free port) and starts listening.
    ///
    /// # Errors
    /// The address cannot be bound.
    pub fn start(addr: SocketAddr, handle: LiveHandle, access: Access) -> Result<Self, LiveError> {
        let net = |source| LiveError::Net {
            what: "OSC",
            addr: addr.to_string(),
            source,
        };
        let socket = UdpSocket::bind(addr).map_err(net)?;
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .map_err(net)?;
        let bound = socket.local_addr().map_err(net)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("stemkit-osc".into())
            .spawn(move || listen(&socket, &handle, &access, &flag))
            .map_err(|e| LiveError::Thread(format!("cannot start the OSC thread: {e}")))?;
        Ok(Self {
            addr: bound,
            stop,
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for OscServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn listen(socket: &UdpSocket, handle: &LiveHandle, access: &Access, stop: &AtomicBool) {
    let mut buf = vec![0_u8; 65_536];
    let mut admitted: HashSet<IpAddr> = HashSet::new();
    while !stop.load(Ordering::Relaxed) {
        let Ok((n, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let reply = |message: String| {
            eprintln!("OSC from {from}: {message}");
            let packet = OscPacket::Message(OscMessage {
                addr: "/stemkit/error".into(),
                args: vec![OscType::String(message)],
            });
            if let Ok(bytes) = rosc::encoder::encode(&packet) {
                let _ = socket.send_to(&bytes, from);
            }
        };
        match rosc::decoder::decode_udp(&buf[..n]) {
            Ok((_, packet)) => {
                let mut messages = Vec::new();
                flatten(packet, &mut messages);
                for m in messages {
                    if let Err(e) = apply(&m, from.ip(), handle, access, &mut admitted) {
                        reply(e);
                    }
                }
            }
            Err(e) => reply(format!("not an OSC packet: {e:?}")),
        }
    }
}

fn flatten(packet: OscPacket, out: &mut Vec<OscMessage>) {
    match packet {
        OscPacket::Message(m) => out.push(m),
        OscPacket::Bundle(b) => b.content.into_iter().for_each(|p| flatten(p, out)),
    }
}

fn apply(
    m: &OscMessage,
    from: IpAddr,
    handle: &LiveHandle,
    access: &Access,
    admitted: &mut HashSet<IpAddr>,
) -> Result<(), String> {
    if m.addr == "/stemkit/auth" {
        let given = match m.args.as_slice() {
            [OscType::String(s)] => Some(s.as_str()),
            _ => None,
        };
        return if access.admits(given) {
            admitted.insert(from);
            Ok(())
        } else {
            Err("/stemkit/auth: wrong token".into())
        };
    }
    if !access.admits(None) && !admitted.contains(&from) {
        return Err(format!(
            "{}: send /stemkit/auth with the session token first",
            m.addr
        ));
    }
    let args = m
        .args
        .iter()
        .map(|a| match a {
            OscType::Float(v) => Ok(f64::from(*v)),
            OscType::Double(v) => Ok(*v),
            OscType::Int(v) => Ok(f64::from(*v)),
            OscType::Long(v) => Ok(*v as f64),
            OscType::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
            other => Err(format!("{}: argument {other:?} is not a number", m.addr)),
        })
        .collect::<Result<Vec<f64>, String>>()?;
    handle
        .send_address(&m.addr, &args)
        .map_err(|e| e.to_string())
}
