//! The waveform overview the web page draws under the playhead: each stem's peak level in
//! a fixed number of slices of the song, read once in the background after the start.

use serde::Serialize;
use stemkit_core::AudioBuffer;
use stemkit_io::SourceReader;

use crate::stream::TrackPlan;

/// Slices across the song: about one per pixel of a wide screen.
pub const SLICES: usize = 1000;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Overview {
    /// Timeline frames the slices cover.
    pub frames: u64,
    /// Per stem (session order), the peak of each slice.
    pub stems: Vec<Vec<f32>>,
}

/// Worker thread: reads every track once (errors leave its lane flat).
pub(crate) fn scan(plans: &[TrackPlan], stems: usize, song_end: u64, rate: u32) -> Overview {
    let frames = song_end.max(1);
    let mut lanes = vec![vec![0.0_f32; SLICES]; stems];
    for plan in plans {
        let lane = &mut lanes[plan.stem];
        let seconds = plan.first as f64 / f64::from(rate);
        let Ok(mut reader) = SourceReader::open(&plan.path, rate, seconds) else {
            continue;
        };
        let mut buf = AudioBuffer::new(plan.channels, 16_384);
        let mut t = plan.start;
        while t < plan.end.min(frames) {
            buf.set_frames(((plan.end - t) as usize).min(buf.capacity()));
            let Ok(n) = reader.read(&mut buf) else { break };
            if n == 0 {
                break;
            }
            for i in 0..n {
                let slice =
                    (((t + i as u64) as u128 * SLICES as u128) / u128::from(frames)) as usize;
                let peak = buf.iter_channels().fold(0.0_f32, |m, c| m.max(c[i].abs()));
                if let Some(v) = lane.get_mut(slice) {
                    *v = v.max(peak);
                }
            }
            t += n as u64;
        }
    }
    Overview {
        frames,
        stems: lanes,
    }
}
