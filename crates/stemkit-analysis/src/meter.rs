//! Streaming loudness and level meter (ITU-R BS.1770-4, EBU R128 / Tech 3341 / 3342).
//!
//! The K-weighting, gating, loudness range and true-peak interpolation are the `ebur128`
//! crate's. What this module adds is what a file report needs and `ebur128` leaves to the
//! caller: the *maximum* momentary and short-term loudness over a whole file, DC offset
//! and the stereo image.
//!
//! Maximum momentary and short-term loudness are read from 10 ms sub-blocks: after each
//! sub-block the meter asks `ebur128` for the energy of exactly that sub-block (its
//! `loudness_window`), and the 400 ms / 3 s windows are sums of the last 40 / 300
//! sub-block energies. That gives the 100 Hz update rate Tech 3341 case 13 needs (a
//! 400 ms burst read at 10 Hz can lose 0.1 dB) at the cost of 10 ms of summing per 10 ms,
//! instead of re-summing a 3 s window a hundred times a second. Windows start full of
//! silence, as on a meter that was running before the file began. At rates that are not a
//! multiple of 100 Hz the sub-block is `floor(rate / 100)` frames, so the windows are up
//! to 0.25 % shorter than nominal.
//!
//! Loudness range is computed here too, from those short-term values taken every 100 ms
//! once the first 3 s window is full (Tech 3342 asks for a 10 Hz rate). `ebur128` steps
//! its short-term blocks by 1 s, which on a song of a few seconds leaves too few blocks
//! to agree with other meters.

use ebur128::{EbuR128, Mode};
use serde::Serialize;
use stemkit_core::AudioBuffer;

use crate::AnalysisError;

/// Channels the meter accepts (the loudness channel weights of BS.1770 cover 5.1 plus
/// spare unweighted channels).
pub const MAX_CHANNELS: usize = 8;

/// Sub-blocks in a momentary window (400 ms).
const MOMENTARY_SUBBLOCKS: usize = 40;
/// Sub-blocks in a short-term window (3 s).
const SHORT_TERM_SUBBLOCKS: usize = 300;
/// Sub-blocks between two short-term values that enter the loudness range (100 ms).
const LRA_HOP_SUBBLOCKS: u64 = 10;
/// A stereo file is called dual mono when its side signal peaks this far below its mid.
const DUAL_MONO_SIDE_DB: f64 = -60.0;

/// What [`Meter::finish`] reports. Levels of digital silence are `None` (JSON `null`),
/// not minus infinity, which JSON cannot carry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measurements {
    pub channels: usize,
    pub sample_rate: u32,
    pub frames: u64,
    /// Programme loudness, gated (BS.1770-4), in LUFS; `None` when every block is below
    /// the absolute gate.
    pub integrated_lufs: Option<f64>,
    /// Loudness range (EBU Tech 3342), in LU.
    pub loudness_range_lu: Option<f64>,
    /// Highest momentary (400 ms) loudness, in LUFS.
    pub max_momentary_lufs: Option<f64>,
    /// Highest short-term (3 s) loudness, in LUFS.
    pub max_short_term_lufs: Option<f64>,
    /// Largest absolute sample over every channel, in dBFS.
    pub sample_peak_dbfs: Option<f64>,
    /// Largest inter-sample peak (4x oversampled below 96 kHz), in dBTP.
    pub true_peak_dbtp: Option<f64>,
    /// Mean of each channel, as a fraction of full scale.
    pub dc_offset: Vec<f64>,
    /// For two-channel files: how different the channels really are.
    pub stereo: Option<StereoImage>,
}

/// How much of a stereo file is stereo.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StereoImage {
    /// Pearson correlation of left and right (1 = identical shape); `None` when a channel
    /// is silent.
    pub correlation: Option<f64>,
    /// Peak of the side signal `(L-R)/2` relative to the peak of the mid `(L+R)/2`, in dB.
    pub side_to_mid_db: Option<f64>,
    /// Both channels carry the same signal (side at least 60 dB below mid): the file is
    /// really mono and could be delivered as one channel.
    pub dual_mono: bool,
}

/// Streaming meter: feed blocks with [`Meter::add`], read the figures with
/// [`Meter::finish`]. The render calls it block by block on every printed file.
pub struct Meter {
    ebu: EbuR128,
    channels: usize,
    sample_rate: u32,
    frames: u64,
    sub_frames: usize,
    sub_fill: usize,
    /// Energies of the last [`SHORT_TERM_SUBBLOCKS`] sub-blocks, oldest overwritten first.
    sub_energy: [f64; SHORT_TERM_SUBBLOCKS],
    sub_next: usize,
    sub_count: u64,
    /// Short-term energies for the loudness range, one per 100 ms.
    lra_energies: Vec<f64>,
    momentary: f64,
    short_term: f64,
    max_momentary: f64,
    max_short_term: f64,
    sums: [f64; MAX_CHANNELS],
    stereo: StereoSums,
}

#[derive(Default)]
struct StereoSums {
    ll: f64,
    rr: f64,
    lr: f64,
    side_peak: f32,
    mid_peak: f32,
}

impl Meter {
    /// A meter for `channels` channels (1..=8; 5 = L R C Ls Rs, 6 = L R C LFE Ls Rs) at
    /// `sample_rate` Hz. Allocates the `ebur128` history; call it before the audio starts.
    ///
    /// # Errors
    /// When the channel count or the rate is outside what the meter supports.
    pub fn new(channels: usize, sample_rate: u32) -> Result<Self, AnalysisError> {
        if channels == 0 || channels > MAX_CHANNELS {
            return Err(AnalysisError::Unsupported(format!(
                "{channels} channels (the meter takes 1 to {MAX_CHANNELS})"
            )));
        }
        if !(8_000..=768_000).contains(&sample_rate) {
            return Err(AnalysisError::Unsupported(format!(
                "sample rate {sample_rate} Hz (the meter takes 8 kHz to 768 kHz)"
            )));
        }
        let mode = Mode::I | Mode::TRUE_PEAK | Mode::SAMPLE_PEAK;
        let ebu = EbuR128::new(channels as u32, sample_rate, mode).map_err(|e| {
            AnalysisError::Unsupported(format!(
                "loudness meter for {channels} ch at {sample_rate} Hz: {e}"
            ))
        })?;
        Ok(Self {
            ebu,
            channels,
            sample_rate,
            frames: 0,
            sub_frames: sample_rate as usize / 100,
            sub_fill: 0,
            sub_energy: [0.0; SHORT_TERM_SUBBLOCKS],
            sub_next: 0,
            sub_count: 0,
            lra_energies: Vec::new(),
            momentary: 0.0,
            short_term: 0.0,
            max_momentary: 0.0,
            max_short_term: 0.0,
            sums: [0.0; MAX_CHANNELS],
            stereo: StereoSums::default(),
        })
    }

    /// Adds the valid frames of `block`. Allocates only to grow the loudness-range
    /// history (one value per 100 ms), so it suits the render's worker thread, not an audio
    /// callback.
    ///
    /// # Panics
    /// When `block` has a different channel count than the meter.
    pub fn add(&mut self, block: &AudioBuffer) {
        assert_eq!(
            block.channels(),
            self.channels,
            "block channel count differs from the meter's"
        );
        self.add_levels(block);
        let frames = block.frames();
        let mut start = 0;
        while start < frames {
            let len = (self.sub_frames - self.sub_fill).min(frames - start);
            let mut planes: [&[f32]; MAX_CHANNELS] = [&[]; MAX_CHANNELS];
            for (plane, ch) in planes.iter_mut().zip(block.iter_channels()) {
                *plane = &ch[start..start + len];
            }
            self.ebu
                .add_frames_planar_f32(&planes[..self.channels])
                .expect("planes match the meter's channel count");
            self.sub_fill += len;
            start += len;
            if self.sub_fill == self.sub_frames {
                self.close_sub_block();
            }
        }
        self.frames += frames as u64;
    }

    fn add_levels(&mut self, block: &AudioBuffer) {
        for (sum, ch) in self.sums.iter_mut().zip(block.iter_channels()) {
            *sum += ch.iter().map(|&s| f64::from(s)).sum::<f64>();
        }
        if self.channels == 2 {
            let st = &mut self.stereo;
            for (&l, &r) in block.channel(0).iter().zip(block.channel(1)) {
                let (l64, r64) = (f64::from(l), f64::from(r));
                st.ll += l64 * l64;
                st.rr += r64 * r64;
                st.lr += l64 * r64;
                st.side_peak = st.side_peak.max((0.5 * (l - r)).abs());
                st.mid_peak = st.mid_peak.max((0.5 * (l + r)).abs());
            }
        }
    }

    fn close_sub_block(&mut self) {
        self.sub_fill = 0;
        let loudness = self
            .ebu
            .loudness_window(10)
            .expect("10 ms is inside the 3 s window");
        self.sub_energy[self.sub_next] = loudness_to_energy(loudness);
        self.sub_next = (self.sub_next + 1) % SHORT_TERM_SUBBLOCKS;
        let mut short_term = 0.0;
        let mut momentary = 0.0;
        for age in 0..SHORT_TERM_SUBBLOCKS {
            let idx = (self.sub_next + SHORT_TERM_SUBBLOCKS - 1 - age) % SHORT_TERM_SUBBLOCKS;
            short_term += self.sub_energy[idx];
            if age + 1 == MOMENTARY_SUBBLOCKS {
                momentary = short_term;
            }
        }
        self.momentary = momentary / MOMENTARY_SUBBLOCKS as f64;
        self.short_term = short_term / SHORT_TERM_SUBBLOCKS as f64;
        self.max_momentary = self.max_momentary.max(self.momentary);
        self.max_short_term = self.max_short_term.max(self.short_term);
        self.sub_count += 1;
        if self.sub_count >= SHORT_TERM_SUBBLOCKS as u64
            && self.sub_count.is_multiple_of(LRA_HOP_SUBBLOCKS)
        {
            self.lra_energies.push(self.short_term);
        }
    }

    /// Momentary loudness (last 400 ms, as of the last whole 10 ms), in LUFS; `None` in
    /// silence. For a live display.
    #[must_use]
    pub fn momentary_lufs(&self) -> Option<f64> {
        finite(energy_to_loudness(self.momentary))
    }

    /// Short-term loudness (last 3 s, as of the last whole 10 ms), in LUFS.
    #[must_use]
    pub fn short_term_lufs(&self) -> Option<f64> {
        finite(energy_to_loudness(self.short_term))
    }

    /// The figures for everything added so far.
    #[must_use]
    pub fn finish(&self) -> Measurements {
        let per_channel =
            |f: &dyn Fn(u32) -> f64| (0..self.channels as u32).map(f).fold(0.0_f64, f64::max);
        let sample_peak = per_channel(&|c| self.ebu.sample_peak(c).unwrap_or(0.0));
        let true_peak = per_channel(&|c| self.ebu.true_peak(c).unwrap_or(0.0));
        let frames = self.frames.max(1) as f64;
        Measurements {
            channels: self.channels,
            sample_rate: self.sample_rate,
            frames: self.frames,
            integrated_lufs: finite(self.ebu.loudness_global().unwrap_or(f64::NEG_INFINITY)),
            loudness_range_lu: loudness_range(&self.lra_energies),
            max_momentary_lufs: finite(energy_to_loudness(self.max_momentary)),
            max_short_term_lufs: finite(energy_to_loudness(self.max_short_term)),
            sample_peak_dbfs: finite(20.0 * sample_peak.log10()),
            true_peak_dbtp: finite(20.0 * true_peak.log10()),
            dc_offset: self.sums[..self.channels]
                .iter()
                .map(|s| s / frames)
                .collect(),
            stereo: (self.channels == 2).then(|| self.stereo_image()),
        }
    }

    fn stereo_image(&self) -> StereoImage {
        let st = &self.stereo;
        let correlation = (st.ll > 0.0 && st.rr > 0.0).then(|| st.lr / (st.ll * st.rr).sqrt());
        let side_to_mid_db = (st.mid_peak > 0.0)
            .then(|| 20.0 * f64::from(st.side_peak / st.mid_peak).log10())
            .and_then(finite);
        let dual_mono =
            st.side_peak == 0.0 || side_to_mid_db.is_some_and(|d| d <= DUAL_MONO_SIDE_DB);
        StereoImage {
            correlation,
            side_to_mid_db,
            dual_mono,
        }
    }
}

/// EBU Tech 3342: short-term values above -70 LUFS, then above 20 LU below their
/// energy mean; the range from the 10th to the 95th percentile of what is left.
fn loudness_range(energies: &[f64]) -> Option<f64> {
    let abs_gate = loudness_to_energy(-70.0);
    let above: Vec<f64> = energies
        .iter()
        .copied()
        .filter(|&e| e >= abs_gate)
        .collect();
    if above.is_empty() {
        return None;
    }
    let mean = above.iter().sum::<f64>() / above.len() as f64;
    let rel_gate = mean * 10f64.powf(-20.0 / 10.0);
    let mut kept: Vec<f64> = above
        .into_iter()
        .filter(|&e| e >= rel_gate)
        .map(energy_to_loudness)
        .collect();
    kept.sort_by(f64::total_cmp);
    let at = |p: f64| kept[((kept.len() - 1) as f64 * p).round() as usize];
    Some(at(0.95) - at(0.10))
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// BS.1770 loudness of a K-weighted, channel-weighted mean square.
fn energy_to_loudness(energy: f64) -> f64 {
    10.0 * energy.log10() - 0.691
}

fn loudness_to_energy(loudness: f64) -> f64 {
    if loudness.is_finite() {
        10f64.powf((loudness + 0.691) / 10.0)
    } else {
        0.0
    }
}

/// Measures a whole signal held in memory (tests and small files).
///
/// # Errors
/// As [`Meter::new`].
pub fn measure(signal: &AudioBuffer, sample_rate: u32) -> Result<Measurements, AnalysisError> {
    let mut meter = Meter::new(signal.channels(), sample_rate)?;
    meter.add(signal);
    Ok(meter.finish())
}

/// Meters an audio file at its own rate, streaming it block by block.
///
/// # Errors
/// The decoder's error (naming the file), or a layout the meter does not take.
pub fn meter_file(
    path: &std::path::Path,
) -> Result<(stemkit_io::SourceInfo, Measurements), AnalysisError> {
    let info = stemkit_io::probe(path)?;
    let mut reader = stemkit_io::SourceReader::open(path, info.sample_rate, 0.0)?;
    let mut meter = Meter::new(info.channels, info.sample_rate)
        .map_err(|e| AnalysisError::Unsupported(format!("{}: {e}", path.display())))?;
    let mut block = AudioBuffer::new(info.channels, 8192);
    loop {
        block.set_frames(8192);
        let n = reader.read(&mut block)?;
        block.set_frames(n);
        meter.add(&block);
        if n < 8192 {
            break;
        }
    }
    Ok((info, meter.finish()))
}
