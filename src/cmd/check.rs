//! `stemkit check`.

use super::CmdResult;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: &Args) -> CmdResult {
    Err("`check` is not built yet".into())
}
