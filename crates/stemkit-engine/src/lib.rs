//! Compiles a stemkit session into a processing graph and renders its prints.
#![forbid(unsafe_code)]
