//! Live stem performance: a session's stems played in real time through the same
//! processors as the offline render, remixed from a web page, OSC or MIDI.
//!
//! # Shape
//! [`Live::new`] (main thread) places the sources, builds the graph and starts the disk
//! thread; it splits into a [`LiveHandle`] that any surface thread uses to send
//! [`Control`]s and read [`Meters`], and a [`LiveProcessor`] that an output ([`play`])
//! moves to its audio thread. Between the two there are only wait-free rings and atomics.
//!
//! # Threads
//! | thread | runs | may block |
//! | --- | --- | --- |
//! | audio (device callback, or the paced thread of `null`/`file:`) | [`LiveProcessor::process`] | never: no allocation, lock, I/O or wait |
//! | disk | reads sources ahead into a fixed chunk pool ([`stream`]) | yes |
//! | capture | writes every applied control with its frame ([`automation`]) | yes |
//! | recorder | writes the `file:` output | yes |
//! | web, OSC, MIDI | parse messages, call [`LiveHandle::send`] | yes |
//! | main | builds, starts and stops everything | yes |
//!
//! # Determinism
//! Controls take effect at block starts and are captured with their output frame, the
//! stream delivers the same samples for a timeline frame however it got there, and a
//! stall is captured too; so [`render_automation`], which drives the very same graph from
//! a capture file as fast as it can, reproduces the `file:` recording sample for sample.
#![forbid(unsafe_code)]

mod access;
pub mod address;
pub mod automation;
mod backend;
mod capture;
mod control;
mod error;
mod graph;
mod handle;
mod interrupt;
mod live;
mod meters;
pub mod midi;
mod osc;
mod overview;
mod processor;
mod replay;
mod state;
pub mod stream;
mod transport;
mod web;

pub use access::{Access, new_token};
pub use backend::{HAS_DEVICE, Output, Playback, play, promote_audio_thread};
pub use control::{Control, ControlError, LEVEL_DB, MIN_LOOP_SECONDS, Names, TimeBase};
pub use error::LiveError;
pub use graph::filter::corner as dj_filter_corner;
pub use handle::LiveHandle;
pub use interrupt::stop_on_interrupt;
pub use live::{Live, LiveOptions, LiveSummary};
pub use meters::{BusMeter, Meters, PeakCell, TransportState};
pub use osc::OscServer;
pub use overview::Overview;
pub use processor::LiveProcessor;
pub use replay::{ReplayReport, render_automation, render_automation_with};
pub use state::{MixState, ReturnState, StemState};
pub use web::WebServer;
