//! Reading a MIDI port (feature `midi`): every message goes through [`MidiLearn`] on
//! midir's input thread.

use crate::LiveError;

use super::MidiLearn;

/// An open MIDI input; closes when dropped.
pub struct MidiInput {
    _connection: midir::MidiInputConnection<()>,
    pub port: String,
}

impl std::fmt::Debug for MidiInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MidiInput")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl MidiInput {
    /// Opens the port whose name contains `name` (or the first port) and feeds `learn`.
    ///
    /// # Errors
    /// No MIDI system, no such port, or the port cannot be opened.
    pub fn open(name: Option<&str>, mut learn: MidiLearn) -> Result<Self, LiveError> {
        let err = |e: &dyn std::fmt::Display| LiveError::Usage(format!("MIDI: {e}"));
        let input = midir::MidiInput::new("stemkit").map_err(|e| err(&e))?;
        let ports = input.ports();
        let names: Vec<String> = ports
            .iter()
            .map(|p| input.port_name(p).unwrap_or_default())
            .collect();
        let index = match name {
            Some(n) => names.iter().position(|p| p.contains(n)),
            None => (!names.is_empty()).then_some(0),
        }
        .ok_or_else(|| {
            LiveError::Usage(format!(
                "MIDI: no input port {} (ports: {})",
                name.unwrap_or(""),
                names.join(", ")
            ))
        })?;
        let connection = input
            .connect(
                &ports[index],
                "stemkit-live",
                move |_, bytes, ()| {
                    if let Err(e) = learn.on_message(bytes) {
                        eprintln!("MIDI: {e}");
                    }
                },
                (),
            )
            .map_err(|e| err(&e))?;
        Ok(Self {
            _connection: connection,
            port: names[index].clone(),
        })
    }
}
