//! stemkit's audio I/O: streaming decode, resampling, WAV/FLAC writers, atomic file output.
#![forbid(unsafe_code)]
