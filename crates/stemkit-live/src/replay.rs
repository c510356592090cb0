//! Offline replay of a captured performance: the very same live graph, driven by the
//! capture file instead of a clock, as fast as the machine goes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use stemkit_core::AudioBuffer;
use stemkit_io::{SampleFormat, WavSpec, WavWriter};
use stemkit_session::Session;

use crate::LiveError;
use crate::automation::{Automation, Entry, Header};
use crate::live::{Live, LiveOptions};

/// What a replay wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayReport {
    pub path: PathBuf,
    pub frames: u64,
    pub sample_rate: u32,
    /// Wall-clock seconds the replay took.
    pub seconds: f64,
}

impl std::fmt::Display for ReplayReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let audio = self.frames as f64 / f64::from(self.sample_rate);
        write!(
            f,
            "replayed {audio:.2} s of performance into {} in {:.2} s ({:.1}x real time)",
            self.path.display(),
            self.seconds,
            audio / self.seconds.max(1e-9)
        )
    }
}

/// Renders the performance captured in `automation` on `session` into `out` (32-bit float
/// stereo WAV, written under a temporary name and renamed when complete). The result
/// equals the `file:` recording of the performance sample for sample.
///
/// # Errors
/// The capture does not fit the session (rate, names, block grid), or a source or the
/// output file fails.
pub fn render_automation(
    session: &Session,
    automation: &Path,
    out: &Path,
) -> Result<ReplayReport, LiveError> {
    render_automation_with(session, automation, out, LiveOptions::default().helpers)
}

/// [`render_automation`] with `helpers` threads running stems' inserts beside the one
/// driving the graph (see [`LiveOptions::helpers`]); the file is the same for any number.
///
/// # Errors
/// As [`render_automation`].
pub fn render_automation_with(
    session: &Session,
    automation: &Path,
    out: &Path,
    helpers: usize,
) -> Result<ReplayReport, LiveError> {
    let started = Instant::now();
    let header = Header::read(automation)?;
    let options = LiveOptions {
        block: header.block,
        capture: None,
        helpers,
    };
    let mut live = Live::offline(session, &options)?;
    let handle = live.handle();
    let auto = Automation::read(automation, handle.names(), handle.time())?;
    let Some(mut processor) = live.take_processor() else {
        unreachable!("a new session has its processor");
    };
    let rate = session.settings.sample_rate;
    let spec = WavSpec {
        sample_rate: rate,
        channels: 2,
        format: SampleFormat::Float32,
    };
    let mut writer = WavWriter::create(out, spec)?;
    let mut block = AudioBuffer::new(2, header.block);
    let mut next = 0;
    let mut frame = 0;
    while frame < auto.length() {
        while let Some(&(at, entry)) = auto.entries.get(next).filter(|(at, _)| *at == frame) {
            match entry {
                Entry::Control(c) => handle.send(c).map_err(|e| LiveError::Automation {
                    path: automation.to_path_buf(),
                    line: 0,
                    message: format!("at frame {at}: {e}"),
                })?,
                Entry::Stall(k) => processor.replay_stall(k as usize),
                Entry::End => {}
            }
            next += 1;
        }
        processor.process(&mut block);
        writer.write_float(&[block.channel(0), block.channel(1)])?;
        frame += header.block as u64;
    }
    writer.finish()?.commit()?;
    live.finish()?;
    Ok(ReplayReport {
        path: out.to_path_buf(),
        frames: frame,
        sample_rate: rate,
        seconds: started.elapsed().as_secs_f64(),
    })
}
