//! Callback timing benchmark (being written).
fn main() {}
