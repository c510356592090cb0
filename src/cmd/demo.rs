//! `stemkit demo`.

use super::CmdResult;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: &Args) -> CmdResult {
    Err("`demo` is not built yet".into())
}
