//! Who may control a session: surfaces listen on loopback unless told otherwise, and a
//! surface bound beyond it needs `--allow-remote` and answers only to the token printed at
//! the start.

use std::net::SocketAddr;

use crate::LiveError;

/// The access rule of one surface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// Required from every client when the surface is reachable from other machines.
    pub token: Option<String>,
}

impl Access {
    /// The rule for a surface at `addr`. `token` is the session's token, shared by every
    /// surface.
    ///
    /// # Errors
    /// A non-loopback address without `allow_remote`.
    pub fn for_bind(
        addr: SocketAddr,
        allow_remote: bool,
        token: &str,
        what: &str,
    ) -> Result<Self, LiveError> {
        if addr.ip().is_loopback() {
            return Ok(Self { token: None });
        }
        if !allow_remote {
            return Err(LiveError::Usage(format!(
                "{what} {addr} is reachable from other machines; add --allow-remote to allow it (clients then need the printed token)"
            )));
        }
        Ok(Self {
            token: Some(token.to_owned()),
        })
    }

    /// Whether `given` satisfies the rule (compared in constant time).
    #[must_use]
    pub fn admits(&self, given: Option<&str>) -> bool {
        match (&self.token, given) {
            (None, _) => true,
            (Some(t), Some(g)) => {
                t.len() == g.len()
                    && t.bytes()
                        .zip(g.bytes())
                        .fold(0, |acc, (a, b)| acc | (a ^ b))
                        == 0
            }
            (Some(_), None) => false,
        }
    }
}

/// A fresh random token: 128 bits as 32 hex digits.
///
/// # Errors
/// The operating system has no randomness to give.
pub fn new_token() -> Result<String, LiveError> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| LiveError::Usage(format!("no randomness for the access token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_open_and_remote_needs_permission_and_token() {
        let local: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let remote: SocketAddr = "0.0.0.0:9000".parse().expect("addr");
        assert!(
            Access::for_bind(local, false, "t", "OSC")
                .expect("local")
                .admits(None)
        );
        let e = Access::for_bind(remote, false, "t", "OSC")
            .unwrap_err()
            .to_string();
        assert!(e.contains("--allow-remote"), "{e}");
        let a = Access::for_bind(remote, true, "secret", "OSC").expect("remote");
        assert!(a.admits(Some("secret")));
        assert!(!a.admits(Some("secreT")) && !a.admits(Some("sec")) && !a.admits(None));
        let t = new_token().expect("token");
        assert_eq!(t.len(), 32);
        assert_ne!(t, new_token().expect("token"));
    }
}
