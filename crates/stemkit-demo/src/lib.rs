//! Deterministic synthesis of an example multitrack session for stemkit.
#![forbid(unsafe_code)]
