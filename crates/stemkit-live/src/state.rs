//! The mix as the surfaces last set it: what a newly opened web page shows, and what every
//! open surface is told when another one moves something.

use serde::Serialize;
use stemkit_session::Session;

use crate::control::Control;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StemState {
    pub name: String,
    pub channels: usize,
    /// `null` in JSON for -inf (off).
    pub gain_db: f64,
    pub mute: bool,
    pub solo: bool,
    pub filter: f64,
    /// Send level to each return, dB, in return order (-inf: no send).
    pub sends: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReturnState {
    pub name: String,
    pub gain_db: f64,
    pub mute: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MixState {
    pub stems: Vec<StemState>,
    pub returns: Vec<ReturnState>,
    pub master_gain_db: f64,
    pub limiter: bool,
}

impl MixState {
    /// The session's own settings: every stem at its fader (unity unless the session says
    /// otherwise), filters off, sends as written, the safety limiter in.
    #[must_use]
    pub fn of(session: &Session) -> Self {
        Self {
            stems: session
                .stems
                .iter()
                .map(|s| StemState {
                    name: s.name.clone(),
                    channels: s.channels,
                    gain_db: s.gain_db,
                    mute: s.mute,
                    solo: false,
                    filter: 0.0,
                    sends: session
                        .returns
                        .iter()
                        .map(|r| {
                            s.sends
                                .iter()
                                .find(|x| x.to == r.name)
                                .map_or(f64::NEG_INFINITY, |x| x.level_db)
                        })
                        .collect(),
                })
                .collect(),
            returns: session
                .returns
                .iter()
                .map(|r| ReturnState {
                    name: r.name.clone(),
                    gain_db: r.gain_db,
                    mute: r.mute,
                })
                .collect(),
            master_gain_db: session.master.gain_db,
            limiter: true,
        }
    }

    /// Records a control (already validated).
    pub(crate) fn apply(&mut self, c: &Control) {
        match *c {
            Control::StemGain { stem, db } => self.stems[stem].gain_db = db,
            Control::StemMute { stem, on } => self.stems[stem].mute = on,
            Control::StemSolo { stem, on } => self.stems[stem].solo = on,
            Control::StemFilter { stem, value } => self.stems[stem].filter = value,
            Control::StemSend { stem, ret, db } => self.stems[stem].sends[ret] = db,
            Control::ReturnGain { ret, db } => self.returns[ret].gain_db = db,
            Control::ReturnMute { ret, on } => self.returns[ret].mute = on,
            Control::MasterGain { db } => self.master_gain_db = db,
            Control::MasterLimiter { on } => self.limiter = on,
            _ => {}
        }
    }
}
