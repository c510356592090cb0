//! The session file (DESIGN §4): one TOML file per song naming its tracks, stems, returns,
//! master and output settings.
//!
//! Loading is strict because a silently ignored key is a wrong print: an unknown key is an
//! error with its line and the closest valid key, every reference (track → stem,
//! send → return, sidechain key) must resolve, every parameter must be in range, and every
//! name that becomes a file name must be safe to use as one.
#![forbid(unsafe_code)]

mod error;
mod keys;
mod load;
mod model;
pub mod naming;
mod order;
pub mod text;
mod validate;

pub use error::SessionError;
pub use load::{load, parse};
pub use model::{
    AutoOr, BitDepth, Dither, FileFormat, Master, MasterMode, Output, Return, Send, Session,
    Settings, Stem, Track, Variant,
};
pub use order::chain_order_warnings;
