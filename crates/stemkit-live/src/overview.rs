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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_slice_holds_the_peak_of_its_part_of_the_timeline() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 1000,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut w = hound::WavWriter::create(&path, spec).expect("wav");
        // 1000 frames: a ramp from 0 to 0.999 by 0.001.
        for i in 0..1000 {
            w.write_sample(i as f32 / 1000.0).expect("sample");
        }
        w.finalize().expect("finish");
        // Played from its frame 500 at timeline frame 1000 of a 2000-frame song.
        let plan = TrackPlan {
            session_index: 0,
            name: "t".into(),
            stem: 1,
            path,
            channels: 1,
            start: 1000,
            end: 1500,
            first: 500,
        };
        let o = scan(&[plan], 2, 2000, 1000);
        assert_eq!(o.frames, 2000);
        assert!(
            o.stems[0].iter().all(|&v| v == 0.0),
            "the other stem is flat"
        );
        let lane = &o.stems[1];
        // Two timeline frames a slice: slice 500 holds frames 1000 and 1001 (source 500, 501).
        assert!(lane[..500].iter().all(|&v| v == 0.0));
        assert_eq!(lane[500], 0.501);
        assert_eq!(lane[749], 0.999);
        assert!(lane[750..].iter().all(|&v| v == 0.0));
    }
}
