//! MIDI controllers: a mapping from controller messages to the address space, learned by
//! moving a control, saved as TOML.
//!
//! ```toml
//! [[binding]]
//! channel = 1          # 1 ..= 16
//! cc = 7               # or: note = 36
//! address = "/stemkit/stem/Bass/gain_db"
//! ```
//!
//! Values: levels (`gain_db`, `send/<return>`) map CC 0 to off and 1 ..= 127 to
//! -63.6 ..= +12 dB in 0.6 dB steps, unity at 107; `filter` maps 64 to off, 0 and 127 to
//! the ends. Switches (`mute`, `solo`, `limiter`) toggle on a press (CC ≥ 64 or a note-on);
//! transport buttons fire on a press. The mapping logic is in every build; reading a MIDI
//! port needs the `midi` feature ([`connect`]).

#[cfg(feature = "midi")]
mod input;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{LiveError, LiveHandle};

#[cfg(feature = "midi")]
pub use input::MidiInput;

/// An open MIDI controller input, kept open while held.
#[derive(Debug)]
pub struct MidiConnection {
    #[cfg(feature = "midi")]
    _input: MidiInput,
    /// The port's name.
    pub port: String,
}

/// Opens MIDI input from the port whose name contains `port` (or the first one), driving
/// the mix through the mapping at `map` (learned bindings are saved there).
///
/// # Errors
/// A build without the `midi` feature, no such port, or an unreadable mapping.
pub fn connect(
    handle: &LiveHandle,
    port: Option<&str>,
    map: Option<PathBuf>,
) -> Result<MidiConnection, LiveError> {
    let learn = MidiLearn::new(handle.clone(), map)?;
    #[cfg(feature = "midi")]
    {
        let input = MidiInput::open(port, learn)?;
        Ok(MidiConnection {
            port: input.port.clone(),
            _input: input,
        })
    }
    #[cfg(not(feature = "midi"))]
    {
        drop(learn);
        Err(LiveError::Usage(format!(
            "MIDI input{} needs a build with the `midi` feature: cargo build --release --features stemkit-live/midi",
            port.map(|p| format!(" from \"{p}\"")).unwrap_or_default()
        )))
    }
}

/// One controller bound to one address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    /// MIDI channel, 1 ..= 16.
    pub channel: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<u8>,
    pub address: String,
}

/// A whole mapping file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MidiMap {
    #[serde(default, rename = "binding")]
    pub bindings: Vec<Binding>,
}

impl MidiMap {
    /// Reads a mapping; a missing file is an empty mapping.
    ///
    /// # Errors
    /// An unreadable file or invalid TOML, naming the file.
    pub fn load(path: &Path) -> Result<Self, LiveError> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .map_err(|e| LiveError::Usage(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(LiveError::File {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Writes the mapping (replacing the file whole).
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), LiveError> {
        let text = toml::to_string(self)
            .map_err(|e| LiveError::Usage(format!("{}: {e}", path.display())))?;
        stemkit_io::AtomicFile::write(path, text.as_bytes())?;
        Ok(())
    }
}

/// What a controller message is: a CC value or a note-on, on a channel (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Cc { channel: u8, number: u8, value: u8 },
    Note { channel: u8, number: u8 },
}

fn source(bytes: &[u8]) -> Option<Source> {
    match *bytes {
        [status, number, value] if status & 0xF0 == 0xB0 => Some(Source::Cc {
            channel: (status & 0x0F) + 1,
            number,
            value,
        }),
        [status, number, velocity] if status & 0xF0 == 0x90 && velocity > 0 => Some(Source::Note {
            channel: (status & 0x0F) + 1,
            number,
        }),
        _ => None,
    }
}

/// How a control takes a controller value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Level,
    Filter,
    Switch,
    Trigger,
}

fn kind(address: &str) -> Option<Kind> {
    let last = address.rsplit('/').next()?;
    if address.contains("/send/") || last == "gain_db" {
        Some(Kind::Level)
    } else if last == "filter" {
        Some(Kind::Filter)
    } else if matches!(last, "mute" | "solo" | "limiter") {
        Some(Kind::Switch)
    } else if matches!(last, "play" | "pause" | "stop" | "loop_off") {
        Some(Kind::Trigger)
    } else {
        None
    }
}

/// A controller level as dB: 0 is off, 107 is unity, 0.6 dB a step.
#[must_use]
pub fn cc_to_db(value: u8) -> f64 {
    if value == 0 {
        f64::NEG_INFINITY
    } else {
        (f64::from(value) - 107.0) * 0.6
    }
}

/// Turns controller messages into controls, and learns new bindings. Runs on the MIDI
/// input thread (or any non-audio thread).
#[derive(Debug)]
pub struct MidiLearn {
    map: MidiMap,
    path: Option<PathBuf>,
    handle: LiveHandle,
}

impl MidiLearn {
    /// A mapping read from `path` (saved back there on every learned binding).
    ///
    /// # Errors
    /// As [`MidiMap::load`].
    pub fn new(handle: LiveHandle, path: Option<PathBuf>) -> Result<Self, LiveError> {
        let map = match &path {
            Some(p) => MidiMap::load(p)?,
            None => MidiMap::default(),
        };
        Ok(Self { map, path, handle })
    }

    #[must_use]
    pub fn map(&self) -> &MidiMap {
        &self.map
    }

    /// Handles one MIDI message: binds it if a surface armed learning (see
    /// [`LiveHandle::arm_midi_learn`]), else sends the control it is bound to.
    ///
    /// # Errors
    /// The control was refused, or the mapping could not be saved.
    pub fn on_message(&mut self, bytes: &[u8]) -> Result<(), String> {
        let Some(src) = source(bytes) else {
            return Ok(());
        };
        let (channel, cc, note) = match src {
            Source::Cc {
                channel, number, ..
            } => (channel, Some(number), None),
            Source::Note { channel, number } => (channel, None, Some(number)),
        };
        if let Some(address) = self.handle.take_midi_learn() {
            self.map.bindings.retain(|b| {
                b.address != address && !(b.channel == channel && b.cc == cc && b.note == note)
            });
            self.map.bindings.push(Binding {
                channel,
                cc,
                note,
                address,
            });
            if let Some(p) = &self.path {
                self.map.save(p).map_err(|e| e.to_string())?;
            }
            return Ok(());
        }
        let bound: Vec<String> = self
            .map
            .bindings
            .iter()
            .filter(|b| b.channel == channel && b.cc == cc && b.note == note)
            .map(|b| b.address.clone())
            .collect();
        for address in bound {
            self.fire(&address, src)?;
        }
        Ok(())
    }

    fn fire(&self, address: &str, src: Source) -> Result<(), String> {
        let value = match src {
            Source::Cc { value, .. } => value,
            Source::Note { .. } => 127,
        };
        let pressed = value >= 64;
        let arg = match kind(address) {
            Some(Kind::Level) => cc_to_db(value),
            Some(Kind::Filter) => ((f64::from(value) - 64.0) / 63.0).clamp(-1.0, 1.0),
            Some(Kind::Switch) if pressed => f64::from(u8::from(!self.switch_state(address))),
            Some(Kind::Trigger) if pressed => 1.0,
            Some(Kind::Switch | Kind::Trigger) => return Ok(()),
            None => return Err(format!("{address}: cannot be bound to a MIDI controller")),
        };
        let args: &[f64] = if address.ends_with("loop_off") {
            &[]
        } else {
            &[arg]
        };
        self.handle
            .send_address(address, args)
            .map_err(|e| e.to_string())
    }

    /// The current state of a switch, from the mix as last set.
    fn switch_state(&self, address: &str) -> bool {
        let (state, _) = self.handle.state();
        let names = self.handle.names();
        let seg: Vec<&str> = address.trim_start_matches("/stemkit/").split('/').collect();
        let stem = |n: &str| {
            names.stem(n).or_else(|| {
                names
                    .stems
                    .iter()
                    .position(|s| crate::address::encode(s) == n)
            })
        };
        let ret = |n: &str| {
            names.ret(n).or_else(|| {
                names
                    .returns
                    .iter()
                    .position(|s| crate::address::encode(s) == n)
            })
        };
        match seg.as_slice() {
            ["stem", n, "mute"] => stem(n).is_some_and(|i| state.stems[i].mute),
            ["stem", n, "solo"] => stem(n).is_some_and(|i| state.stems[i].solo),
            ["return", n, "mute"] => ret(n).is_some_and(|i| state.returns[i].mute),
            ["master", "limiter"] => state.limiter,
            _ => false,
        }
    }
}

/// Checks that `address` can be learned: a level, filter, switch or transport button.
///
/// # Errors
/// Seeks and loops take positions no single controller gives.
pub fn learnable(address: &str) -> Result<(), String> {
    kind(address).map(|_| ()).ok_or_else(|| {
        format!("{address}: only levels, filters, switches and transport buttons can be learned")
    })
}
