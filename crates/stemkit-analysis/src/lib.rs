//! Loudness, true peak, null tests and delivery checks for stem sets.
#![forbid(unsafe_code)]
