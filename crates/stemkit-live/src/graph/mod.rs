//! The live mixing graph: tracks into stems, stems and sends into returns, everything into
//! the master, with the performer's controls on top.
//!
//! It follows the offline render's rules (DESIGN §2 and `stemkit-engine`): the same
//! processors built from the same inserts; polarity × gain → inserts → pan law or balance
//! into the stem; stem inserts → sends → fader; returns' inserts → fader; the master chain
//! → master fader; every path delayed to the slowest (PDC). On top of that each stem has a
//! DJ filter after its inserts, a mute and a solo, and a send knob to every return; the
//! master ends in a switchable safety limiter. Everything the performer moves glides
//! ([`ramp`]).
//!
//! Mute and solo act before the sends, pre- or post-fader, and on the sends of the stem's
//! tracks: a muted stem takes its reverb with it. Returns are solo-safe: soloing a stem
//! keeps its reverb.

mod build;
mod chain;
pub mod filter;
mod helper;
mod limiter;
mod ramp;

use stemkit_core::{AudioBuffer, DelayLine};

use crate::LiveError;
use crate::control::Control;
use crate::meters::Meters;
use chain::Chain;
use filter::DjFilter;
use helper::{Helpers, Job};
use limiter::SafetyLimiter;
use ramp::{BlockGain, Ramp};

struct TrackSend {
    ret: usize,
    gain: f32,
    align: DelayLine,
}

struct TrackNode {
    stem: usize,
    /// Polarity × gain, applied before the inserts.
    pre_gain: f32,
    chain: Chain,
    /// Per output channel gain (pan law, balance), or the fold factors into a mono stem.
    pan: [f32; 2],
    out: AudioBuffer,
    align: DelayLine,
    sends: Vec<TrackSend>,
    key_slot: Option<usize>,
}

struct StemSend {
    level: Ramp,
    pre_fader: bool,
    align: DelayLine,
    /// Whether `align` delays at all (its input must then run even while the send is off).
    delays: bool,
}

struct StemNode {
    bus: AudioBuffer,
    chain: Chain,
    filter: DjFilter,
    fader_db: f64,
    mute: bool,
    solo: bool,
    fader: Ramp,
    /// 1 while the stem is heard, 0 while muted or left out by a solo.
    audible: Ramp,
    audible_now: BlockGain,
    sends: Vec<StemSend>,
    out_align: DelayLine,
    key_slot: Option<usize>,
    /// The stem after its inserts, kept for its key slot until the wave ends.
    key_tap: Option<AudioBuffer>,
    /// The helper thread whose stem this is, when its inserts run there (they listen to no
    /// key); `None`: the audio thread's.
    helper: Option<usize>,
    /// The inserts' gain reduction after the last block, dB.
    reduction: f32,
}

struct ReturnNode {
    input: AudioBuffer,
    chain: Chain,
    fader_db: f64,
    mute: bool,
    gain: Ramp,
    out_align: DelayLine,
}

#[derive(Clone, Copy)]
enum Node {
    Track(usize),
    Stem(usize),
}

pub(crate) struct Graph {
    tracks: Vec<TrackNode>,
    stems: Vec<StemNode>,
    returns: Vec<ReturnNode>,
    master_chain: Chain,
    master_gain: Ramp,
    limiter: SafetyLimiter,
    /// Waves of nodes: each track before its stem, every sidechain key before its
    /// listener. Keys are published when their wave ends, as the offline render does.
    waves: Vec<Vec<Node>>,
    keys: Vec<AudioBuffer>,
    mix: AudioBuffer,
    /// Copies for sends, by channel count (mono, stereo).
    scratch: [AudioBuffer; 2],
    /// Per-frame product of two gliding gains.
    product: Vec<f32>,
    /// Frames from a source frame entering the graph to its leaving the master.
    latency: usize,
    /// Threads running stems' inserts beside the audio thread (see [`helper`]).
    helpers: Option<Helpers>,
}

fn db_gain(db: f64) -> f64 {
    stemkit_core::units::db_to_gain(db)
}

impl Graph {
    /// Output latency in frames (PDC of the mix, the master chain and the limiter).
    pub(crate) fn latency(&self) -> usize {
        self.latency
    }

    /// Main thread: starts `count` helper threads to run, beside the audio thread, the
    /// inserts of every stem whose chain listens to no sidechain key.
    ///
    /// # Errors
    /// When a thread cannot be started.
    pub(crate) fn start_helpers(&mut self, count: usize) -> Result<(), LiveError> {
        let movable: Vec<usize> = (0..self.stems.len())
            .filter(|&s| !self.stems[s].chain.is_empty() && !self.stems[s].chain.listens())
            .collect();
        if count == 0 || movable.len() < 2 {
            return Ok(());
        }
        // Dealt within each wave, so every wave is shared out evenly.
        let mut most = 0;
        let mut per_helper = vec![0_usize; count];
        for wave in &self.waves {
            let in_wave = wave.iter().filter_map(|&node| match node {
                Node::Stem(s) if movable.contains(&s) => Some(s),
                _ => None,
            });
            for (k, si) in in_wave.enumerate() {
                let thread = k % (count + 1);
                if thread > 0 {
                    self.stems[si].helper = Some(thread - 1);
                    per_helper[thread - 1] += 1;
                    most = most.max(per_helper[thread - 1]);
                }
            }
        }
        let helpers = Helpers::start(count, most)
            .map_err(|e| LiveError::Session(format!("cannot start a stem helper thread: {e}")))?;
        self.helpers = Some(helpers);
        Ok(())
    }

    /// Channels of each playing track's source, in the order `process` takes them.
    pub(crate) fn track_count(&self) -> usize {
        self.tracks.len()
    }

    /// Audio thread: applies a mix control (transport controls are not the graph's).
    pub(crate) fn apply(&mut self, control: &Control) {
        match *control {
            Control::StemGain { stem, db } => {
                let s = &mut self.stems[stem];
                s.fader_db = db;
                s.fader.set(db_gain(db));
            }
            Control::StemMute { stem, on } => {
                self.stems[stem].mute = on;
                self.update_audible();
            }
            Control::StemSolo { stem, on } => {
                self.stems[stem].solo = on;
                self.update_audible();
            }
            Control::StemFilter { stem, value } => self.stems[stem].filter.set(value),
            Control::StemSend { stem, ret, db } => {
                self.stems[stem].sends[ret].level.set(db_gain(db))
            }
            Control::ReturnGain { ret, db } => {
                let r = &mut self.returns[ret];
                r.fader_db = db;
                r.gain.set(if r.mute { 0.0 } else { db_gain(db) });
            }
            Control::ReturnMute { ret, on } => {
                let r = &mut self.returns[ret];
                r.mute = on;
                r.gain.set(if on { 0.0 } else { db_gain(r.fader_db) });
            }
            Control::MasterGain { db } => self.master_gain.set(db_gain(db)),
            Control::MasterLimiter { on } => self.limiter.set(on),
            Control::Play
            | Control::Pause
            | Control::Stop
            | Control::Seek { .. }
            | Control::Loop { .. }
            | Control::LoopOff => {}
        }
    }

    fn update_audible(&mut self) {
        let any_solo = self.stems.iter().any(|s| s.solo);
        for s in &mut self.stems {
            let heard = !s.mute && (s.solo || !any_solo);
            s.audible.set(if heard { 1.0 } else { 0.0 });
        }
    }

    /// Audio thread: runs one block of `out.frames()` frames. `sources` holds each
    /// playing track's source audio for the block (it is processed in place); `out` is
    /// the stereo master output.
    pub(crate) fn process(
        &mut self,
        sources: &mut [AudioBuffer],
        out: &mut AudioBuffer,
        meters: &Meters,
    ) {
        let n = out.frames();
        if let Some(helpers) = &self.helpers {
            helpers.wake();
        }
        for s in &mut self.stems {
            s.bus.set_frames(n);
            s.bus.clear();
            s.audible_now = s.audible.block(n);
        }
        for r in &mut self.returns {
            r.input.set_frames(n);
            r.input.clear();
        }
        for k in &mut self.keys {
            k.set_frames(n);
        }
        for sc in &mut self.scratch {
            sc.set_frames(n);
        }
        self.mix.set_frames(n);
        self.mix.clear();
        for w in 0..self.waves.len() {
            // Within a wave the tracks come first; then the stems' inserts (the helpers'
            // share beside the audio thread's); then each stem's sends, meters and mix
            // share, in wave order. No stem of a wave feeds another, so this is the order
            // of one stem after the other.
            for i in 0..self.waves[w].len() {
                if let Node::Track(t) = self.waves[w][i] {
                    self.process_track(t, &mut sources[t]);
                }
            }
            if let Some(helpers) = &mut self.helpers {
                for &node in &self.waves[w] {
                    if let Node::Stem(si) = node
                        && let Some(h) = self.stems[si].helper
                    {
                        let s = &mut self.stems[si];
                        helpers.queue(
                            h,
                            Job {
                                stem: si,
                                chain: std::mem::replace(&mut s.chain, Chain::empty()),
                                bus: std::mem::take(&mut s.bus),
                                reduction: 0.0,
                            },
                        );
                    }
                }
            }
            for &node in &self.waves[w] {
                if let Node::Stem(si) = node
                    && self.stems[si].helper.is_none()
                {
                    let s = &mut self.stems[si];
                    s.chain.process(&mut s.bus, &self.keys);
                    s.reduction = s.chain.gain_reduction_db();
                }
            }
            if let Some(helpers) = &mut self.helpers {
                let stems = &mut self.stems;
                helpers.finish(|job| {
                    let s = &mut stems[job.stem];
                    s.chain = job.chain;
                    s.bus = job.bus;
                    s.reduction = job.reduction;
                });
            }
            for i in 0..self.waves[w].len() {
                if let Node::Stem(s) = self.waves[w][i] {
                    self.process_stem(s, meters);
                }
            }
            for &node in &self.waves[w] {
                match node {
                    Node::Track(t) => {
                        if let Some(k) = self.tracks[t].key_slot {
                            self.keys[k].copy_from(&sources[t]);
                        }
                    }
                    Node::Stem(s) => {
                        let s = &self.stems[s];
                        if let (Some(k), Some(tap)) = (s.key_slot, &s.key_tap) {
                            self.keys[k].copy_from(tap);
                        }
                    }
                }
            }
        }
        for (r, meter) in self.returns.iter_mut().zip(&meters.returns) {
            r.chain.process(&mut r.input, &self.keys);
            let g = r.gain.block(n);
            for ch in r.input.channels_mut() {
                ramp::scale(ch, g, r.gain.frames());
            }
            meter.offer(&r.input, r.chain.gain_reduction_db());
            r.out_align.process(&mut r.input);
            self.mix.add_from(&r.input, 1.0);
        }
        self.master_chain.process(&mut self.mix, &[]);
        let g = self.master_gain.block(n);
        for ch in self.mix.channels_mut() {
            ramp::scale(ch, g, self.master_gain.frames());
        }
        let reduction = self.master_chain.gain_reduction_db() + self.limiter.process(&mut self.mix);
        meters.master.offer(&self.mix, reduction);
        out.copy_from(&self.mix);
    }

    fn process_track(&mut self, ti: usize, src: &mut AudioBuffer) {
        let t = &mut self.tracks[ti];
        if t.pre_gain != 1.0 {
            for ch in src.channels_mut() {
                ch.iter_mut().for_each(|x| *x *= t.pre_gain);
            }
        }
        t.chain.process(src, &self.keys);
        pan_into(src, &mut t.out, t.pan);
        t.align.process(&mut t.out);
        let stem = &mut self.stems[t.stem];
        stem.bus.add_from(&t.out, 1.0);
        for tap in &mut t.sends {
            let scratch = &mut self.scratch[t.out.channels() - 1];
            scratch.copy_from(&t.out);
            tap.align.process(scratch);
            if stem.audible.is_silent() {
                continue;
            }
            for ch in scratch.channels_mut() {
                ramp::scale(ch, stem.audible_now, stem.audible.frames());
            }
            self.returns[tap.ret].input.add_from(scratch, tap.gain);
        }
    }

    /// A stem after its inserts: key tap, DJ filter, sends, fader, meters, into the mix.
    fn process_stem(&mut self, si: usize, meters: &Meters) {
        let n = self.mix.frames();
        let s = &mut self.stems[si];
        if let Some(tap) = &mut s.key_tap {
            tap.copy_from(&s.bus);
        }
        s.filter.process(&mut s.bus);
        // Pre-fader sends see the mute; post-fader sends see fader and mute.
        let channels = s.bus.channels();
        for pre in [true, false] {
            if !pre {
                let g = product(
                    s.fader.block(n),
                    s.fader.frames(),
                    s.audible_now,
                    s.audible.frames(),
                    &mut self.product[..n],
                );
                for ch in s.bus.channels_mut() {
                    ramp::scale(ch, g, &self.product);
                }
            }
            for (ri, tap) in s
                .sends
                .iter_mut()
                .enumerate()
                .filter(|(_, t)| t.pre_fader == pre)
            {
                let g = tap.level.block(n);
                if tap.level.is_silent() && !tap.delays {
                    continue;
                }
                let scratch = &mut self.scratch[channels - 1];
                scratch.copy_from(&s.bus);
                if pre {
                    for ch in scratch.channels_mut() {
                        ramp::scale(ch, s.audible_now, s.audible.frames());
                    }
                }
                tap.align.process(scratch);
                if tap.level.is_silent() {
                    continue;
                }
                for ch in scratch.channels_mut() {
                    ramp::scale(ch, g, tap.level.frames());
                }
                self.returns[ri].input.add_from(scratch, 1.0);
            }
        }
        meters.stems[si].offer(&s.bus, s.reduction);
        s.out_align.process(&mut s.bus);
        self.mix.add_from(&s.bus, 1.0);
    }
}

/// The frame-by-frame product of two block gains, into `buf` when either glides.
fn product(
    a: BlockGain,
    a_frames: &[f32],
    b: BlockGain,
    b_frames: &[f32],
    buf: &mut [f32],
) -> BlockGain {
    match (a, b) {
        (BlockGain::Constant(x), BlockGain::Constant(y)) => BlockGain::Constant(x * y),
        _ => {
            for (i, p) in buf.iter_mut().enumerate() {
                let x = if let BlockGain::Constant(x) = a {
                    x
                } else {
                    a_frames[i]
                };
                let y = if let BlockGain::Constant(y) = b {
                    y
                } else {
                    b_frames[i]
                };
                *p = x * y;
            }
            BlockGain::Gliding
        }
    }
}

/// A track's processed source into its stem's layout, as the offline render pans it.
fn pan_into(src: &AudioBuffer, out: &mut AudioBuffer, pan: [f32; 2]) {
    out.set_frames(src.frames());
    match (src.channels(), out.channels()) {
        (2, 1) => {
            let (l, r) = (src.channel(0), src.channel(1));
            let (gl, gr) = (0.5 * pan[0], 0.5 * pan[1]);
            for ((o, &a), &b) in out.channel_mut(0).iter_mut().zip(l).zip(r) {
                *o = gl * a + gr * b;
            }
        }
        (1, 1) => out.channel_mut(0).copy_from_slice(src.channel(0)),
        (channels, _) => {
            for (c, &g) in pan.iter().enumerate() {
                let input = src.channel(c.min(channels - 1));
                for (o, &x) in out.channel_mut(c).iter_mut().zip(input) {
                    *o = g * x;
                }
            }
        }
    }
}
