//! `stemkit render`.

use super::CmdResult;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: &Args) -> CmdResult {
    Err("`render` is not built yet".into())
}
