//! Compiles a session into a processing graph (tracks → stems → returns → master) and
//! renders its prints in one pass.
//!
//! The graph runs in blocks through the same [`stemkit_core::Processor`] instances the
//! live host uses. Every path is delay-compensated so an impulse on any track lands on the
//! same sample in every printed file, and the mix file of an integer print is written as
//! the exact integer sum of the stem files.
#![forbid(unsafe_code)]

mod chain;
mod consistent;
mod delay;
mod error;
mod graph;
mod meter;
mod outcome;
mod pan;
mod print;
mod render;
mod source;
mod verify;
mod waves;

pub use error::EngineError;
pub use outcome::{NullTest, Printed, Render, Role};
pub use pan::{balance_gains, pan_gains, track_pan_gains};
pub use render::{RenderOptions, render};
pub use verify::{Verification, Verified, verify};
pub use waves::{Bus, schedule};
