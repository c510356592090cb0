//! The processing graph of a session: tracks feeding stems, sends feeding returns, each
//! path delay-compensated so every bus output has a known latency.

use stemkit_core::units::db_to_gain;
use stemkit_core::{AudioBuffer, ProcessSpec, add_scaled};
use stemkit_dsp::params::ParamContext;
use stemkit_session::{Session, Track};

use crate::EngineError;
use crate::chain::Chain;
use crate::delay::DelayLine;
use crate::pan::track_pan_gains;
use crate::source::TrackSource;
use rayon::prelude::*;

/// A send from a stem or track into a return, delayed to the return's input latency.
/// `buf` holds this block's aligned signal; the return adds it at `gain`.
struct SendTap {
    ret: usize,
    gain: f32,
    pre_fader: bool,
    align: DelayLine,
    buf: AudioBuffer,
}

impl SendTap {
    fn take(&mut self, src: &AudioBuffer) {
        self.buf.copy_from(src);
        self.align.process(&mut self.buf);
    }
}

struct TrackNode {
    name: String,
    source: TrackSource,
    stem: usize,
    /// Polarity × gain, applied before the inserts.
    pre_gain: f32,
    chain: Chain,
    /// Per output channel gain (pan law, balance), or the fold factor into a mono stem.
    pan: [f32; 2],
    buf: AudioBuffer,
    out: AudioBuffer,
    align: DelayLine,
    /// The delay of `align`, frames.
    align_frames: usize,
    sends: Vec<SendTap>,
    key_slot: Option<usize>,
    /// Frames after the source ends that the chain and delays may still sound.
    flush: u64,
    /// Step of the block at which the track runs (see [`Graph::process`]).
    wave: usize,
    /// Whether the track sounded in the current block (`out` and the sends are valid).
    active: bool,
}

struct StemNode {
    bus: AudioBuffer,
    chain: Chain,
    fader: f32,
    sends: Vec<SendTap>,
    key_slot: Option<usize>,
    /// The bus after the inserts, before the fader, when it keys a compressor.
    key_tap: Option<AudioBuffer>,
    /// Latency of the stem's output relative to the timeline.
    latency: usize,
    /// The tracks summed into the bus, in session order.
    inputs: Vec<usize>,
    wave: usize,
}

/// Where one send into a return instance comes from: `(track, send)` or `(stem, send)`.
#[derive(Clone, Copy)]
enum Feed {
    Track(usize, usize),
    Stem(usize, usize),
}

/// A return's chain fed by the sum of its sends; one global instance, and in the wet
/// variant one instance per stem that sends to it.
pub(crate) struct ReturnInstance {
    /// The block being processed, then its output.
    pub(crate) input: AudioBuffer,
    chain: Chain,
}

/// What feeds a return instance, kept apart from the instance so the next block's sends
/// can be gathered while the instance still processes this one.
struct Inlet {
    /// The sends, in the fixed order they are summed (tracks, then stems, in session
    /// order), so the sum does not depend on which thread finished first.
    feeds: Vec<Feed>,
    /// Their sum for the block the buses ran last.
    gathered: AudioBuffer,
}

pub(crate) struct ReturnNode {
    fader: f32,
    pub(crate) global: Option<ReturnInstance>,
    /// `(stem index, instance)` of the wet shares.
    pub(crate) shares: Vec<(usize, ReturnInstance)>,
    pub(crate) latency: usize,
}

impl ReturnNode {
    pub(crate) fn channels(&self) -> usize {
        self.global
            .as_ref()
            .map_or_else(|| self.shares[0].1.input.channels(), |g| g.input.channels())
    }
}

pub(crate) struct Graph {
    tracks: Vec<TrackNode>,
    stems: Vec<StemNode>,
    pub(crate) returns: Vec<ReturnNode>,
    /// One per return instance, in the order of [`instances_mut`].
    inlets: Vec<Inlet>,
    /// Steps of a block: in step `w` the tracks and then the stems of wave `w` run, each
    /// independent of the others of its wave, so every sidechain key is computed in an
    /// earlier step than the processor that listens to it.
    waves: usize,
    keys: Vec<AudioBuffer>,
    /// Timeline frame after which no source plays.
    pub(crate) content_end: u64,
    /// Longest ring-out of any path after its input stops, frames.
    pub(crate) max_tail: u64,
}

/// Which buses exist in the render: stems and returns left out (muted) are `None`.
pub(crate) struct Layout {
    pub(crate) stem_index: Vec<Option<usize>>,
    pub(crate) return_index: Vec<Option<usize>>,
}

impl Graph {
    /// Builds every node of `session` that plays. `wet` adds a return instance per
    /// sending stem.
    pub(crate) fn build(
        session: &Session,
        max_block: usize,
        wet: bool,
    ) -> Result<(Self, Layout, Vec<String>), EngineError> {
        let sr = f64::from(session.settings.sample_rate);
        let ctx = ParamContext {
            sample_rate: sr,
            bpm: session.settings.bpm,
        };
        let mut warnings = stemkit_session::chain_order_warnings(session);
        let spec = |channels| ProcessSpec {
            sample_rate: sr,
            max_block,
            channels,
        };

        let stem_index: Vec<Option<usize>> = {
            let mut next = 0;
            session
                .stems
                .iter()
                .map(|s| {
                    (!s.mute).then(|| {
                        next += 1;
                        next - 1
                    })
                })
                .collect()
        };
        let return_index: Vec<Option<usize>> = {
            let mut next = 0;
            session
                .returns
                .iter()
                .map(|r| {
                    (!r.mute).then(|| {
                        next += 1;
                        next - 1
                    })
                })
                .collect()
        };
        for (s, i) in session.stems.iter().zip(&stem_index) {
            if i.is_none() {
                warnings.push(format!(
                    "stem \"{}\" is muted: left out of the mix and not printed",
                    s.name
                ));
            }
        }
        for (r, i) in session.returns.iter().zip(&return_index) {
            if i.is_none() {
                warnings.push(format!(
                    "return \"{}\" is muted: left out of the mix and not printed",
                    r.name
                ));
            }
        }

        // Sidechain keys: every track or stem some compressor listens to gets a tap.
        let key_names: Vec<String> = session
            .tracks
            .iter()
            .flat_map(|t| &t.inserts)
            .chain(session.stems.iter().flat_map(|s| &s.inserts))
            .chain(session.returns.iter().flat_map(|r| &r.inserts))
            .chain(&session.master.inserts)
            .filter_map(|i| match i {
                stemkit_dsp::params::InsertSpec::Compressor(c) => c.key.clone(),
                _ => None,
            })
            .fold(Vec::new(), |mut v, k| {
                if !v.contains(&k) {
                    v.push(k);
                }
                v
            });
        let key_slot = |name: &str| key_names.iter().position(|k| k == name);

        // Tracks.
        let mut tracks = Vec::new();
        for t in &session.tracks {
            let Some(stem) = session.stems.iter().position(|s| s.name == t.stem) else {
                return Err(EngineError::Session(format!(
                    "track \"{}\" names no stem \"{}\"",
                    t.name, t.stem
                )));
            };
            let Some(stem) = stem_index[stem] else {
                continue;
            };
            if !session.track_plays(t) {
                continue;
            }
            let Some(source) = TrackSource::open(session, t, max_block)? else {
                warnings.push(format!(
                    "track \"{}\" has no audio after the session start: skipped",
                    t.name
                ));
                continue;
            };
            tracks.push(Self::track_node(
                session, t, source, stem, &ctx, &spec, &key_slot,
            )?);
        }

        // Stems: input latency is the slowest of their tracks; faster tracks wait.
        let mut stems: Vec<StemNode> = Vec::new();
        for (s, idx) in session.stems.iter().zip(&stem_index) {
            if idx.is_none() {
                continue;
            }
            let me = stems.len();
            let in_lat = tracks
                .iter()
                .filter(|t| t.stem == me)
                .map(|t| t.chain.latency())
                .max()
                .unwrap_or(0);
            for t in tracks.iter_mut().filter(|t| t.stem == me) {
                let extra = in_lat - t.chain.latency();
                t.align = DelayLine::new(s.channels, extra);
                t.align_frames = extra;
                t.flush += extra as u64;
            }
            let chain = Chain::build(
                &s.inserts,
                &format!("stem \"{}\"", s.name),
                &ctx,
                spec(s.channels),
                &key_slot,
            )?;
            let n_tracks = tracks.iter().filter(|t| t.stem == me).count();
            if n_tracks == 0 {
                warnings.push(format!(
                    "stem \"{}\" has no playing track: its file is silent",
                    s.name
                ));
            }
            stems.push(StemNode {
                bus: AudioBuffer::new(s.channels, max_block),
                latency: in_lat + chain.latency(),
                chain,
                fader: db_to_gain(s.gain_db) as f32,
                sends: Vec::new(),
                key_slot: key_slot(&s.name),
                key_tap: key_slot(&s.name).map(|_| AudioBuffer::new(s.channels, max_block)),
                inputs: (0..tracks.len())
                    .filter(|&t| tracks[t].stem == me)
                    .collect(),
                wave: 0,
            });
        }

        // Returns: their input latency is the slowest send feeding them.
        let live_returns: Vec<&stemkit_session::Return> = session
            .returns
            .iter()
            .zip(&return_index)
            .filter(|(_, i)| i.is_some())
            .map(|(r, _)| r)
            .collect();
        let ret_of = |name: &str| {
            session
                .returns
                .iter()
                .position(|r| r.name == name)
                .and_then(|i| return_index[i])
        };
        let track_stem_latency = |stem: usize| stems[stem].latency - stems[stem].chain.latency();
        let mut ret_in_lat = vec![0_usize; live_returns.len()];
        for t in &tracks {
            for s in &t.sends {
                ret_in_lat[s.ret] = ret_in_lat[s.ret].max(track_stem_latency(t.stem));
            }
        }
        let mut stem_sends: Vec<Vec<SendTap>> = Vec::new();
        for (s, idx) in session.stems.iter().zip(&stem_index) {
            let Some(si) = *idx else { continue };
            let mut taps = Vec::new();
            for send in &s.sends {
                let Some(ret) = ret_of(&send.to) else {
                    continue;
                };
                ret_in_lat[ret] = ret_in_lat[ret].max(stems[si].latency);
                taps.push(SendTap {
                    ret,
                    gain: db_to_gain(send.level_db) as f32,
                    pre_fader: send.pre_fader,
                    align: DelayLine::new(0, 0),
                    buf: AudioBuffer::new(s.channels, max_block),
                });
            }
            stem_sends.push(taps);
        }
        for (stem, taps) in stems.iter_mut().zip(stem_sends) {
            stem.sends = taps;
        }
        for stem in &mut stems {
            let lat = stem.latency;
            let channels = stem.bus.channels();
            for tap in &mut stem.sends {
                tap.align = DelayLine::new(channels, ret_in_lat[tap.ret] - lat);
            }
        }
        for t in &mut tracks {
            let lat = stems[t.stem].latency - stems[t.stem].chain.latency();
            let channels = t.out.channels();
            for tap in &mut t.sends {
                tap.align = DelayLine::new(channels, ret_in_lat[tap.ret] - lat);
            }
        }

        let mut returns = Vec::new();
        let mut inlets = Vec::new();
        for (ri, r) in live_returns.iter().enumerate() {
            let place = format!("return \"{}\"", r.name);
            let instance = |only: Option<usize>| -> Result<(ReturnInstance, Inlet), EngineError> {
                Ok((
                    ReturnInstance {
                        input: AudioBuffer::new(r.channels, max_block),
                        chain: Chain::build(&r.inserts, &place, &ctx, spec(r.channels), &key_slot)?,
                    },
                    Inlet {
                        feeds: feeds_of(&tracks, &stems, ri, only),
                        gathered: AudioBuffer::new(r.channels, max_block),
                    },
                ))
            };
            let (global, global_inlet) = instance(None)?;
            let linear = global.chain.is_linear();
            let latency = ret_in_lat[ri] + global.chain.latency();
            let mut shares = Vec::new();
            let mut share_inlets = Vec::new();
            if wet {
                for (si, st) in stems.iter().enumerate() {
                    let feeds = st.sends.iter().any(|s| s.ret == ri)
                        || tracks
                            .iter()
                            .any(|t| t.stem == si && t.sends.iter().any(|s| s.ret == ri));
                    if feeds {
                        let (share, inlet) = instance(Some(si))?;
                        shares.push((si, share));
                        share_inlets.push(inlet);
                    }
                }
                if !linear {
                    warnings.push(format!(
                        "return \"{}\" is not linear and time-invariant: wet stems computed with one instance per stem do not sum exactly to the mix (see the wet null test)",
                        r.name
                    ));
                }
            }
            // With linear returns the wet shares add up to the return itself, so the
            // global instance is only needed when they do not.
            let keep_global = !wet || !linear || shares.is_empty();
            if keep_global {
                inlets.push(global_inlet);
            }
            inlets.extend(share_inlets);
            let global = keep_global.then_some(global);
            returns.push(ReturnNode {
                fader: db_to_gain(r.gain_db) as f32,
                global,
                shares,
                latency,
            });
        }

        let waves = Self::schedule(session, &mut tracks, &mut stems, &stem_index)?;
        let keys = key_names
            .iter()
            .map(|k| {
                let ch = session.tracks.iter().find(|t| &t.name == k).map_or_else(
                    || {
                        session
                            .stems
                            .iter()
                            .find(|s| &s.name == k)
                            .map_or(2, |s| s.channels)
                    },
                    |_| {
                        tracks
                            .iter()
                            .find(|t| &t.name == k)
                            .map_or(2, |t| t.buf.channels())
                    },
                );
                AudioBuffer::new(ch, max_block)
            })
            .collect();

        let content_end = tracks.iter().map(|t| t.source.end).max().unwrap_or(0);
        let stem_tail = |s: &StemNode| s.chain.tail() as u64;
        let max_tail = tracks
            .iter()
            .map(|t| t.flush + stem_tail(&stems[t.stem]))
            .chain(returns.iter().map(|r| {
                r.global
                    .iter()
                    .map(|g| g.chain.tail())
                    .chain(r.shares.iter().map(|(_, g)| g.chain.tail()))
                    .max()
                    .unwrap_or(0) as u64
                    + stems.iter().map(stem_tail).max().unwrap_or(0)
            }))
            .max()
            .unwrap_or(0);
        Ok((
            Self {
                tracks,
                stems,
                returns,
                inlets,
                waves,
                keys,
                content_end,
                max_tail,
            },
            Layout {
                stem_index,
                return_index,
            },
            warnings,
        ))
    }

    fn track_node(
        session: &Session,
        t: &Track,
        source: TrackSource,
        stem: usize,
        ctx: &ParamContext,
        spec: &dyn Fn(usize) -> ProcessSpec,
        key_slot: &dyn Fn(&str) -> Option<usize>,
    ) -> Result<TrackNode, EngineError> {
        let channels = source.channels();
        let stem_def = session
            .stems
            .iter()
            .find(|s| s.name == t.stem)
            .map_or(2, |s| s.channels);
        let chain = Chain::build(
            &t.inserts,
            &format!("track \"{}\"", t.name),
            ctx,
            spec(channels),
            key_slot,
        )?;
        let sign = if t.polarity { -1.0 } else { 1.0 };
        let ret_of = |name: &str| {
            session
                .returns
                .iter()
                .filter(|r| !r.mute)
                .position(|r| r.name == name)
        };
        let sends = t
            .sends
            .iter()
            .filter_map(|s| {
                Some(SendTap {
                    ret: ret_of(&s.to)?,
                    gain: db_to_gain(s.level_db) as f32,
                    pre_fader: false,
                    align: DelayLine::new(0, 0),
                    buf: AudioBuffer::new(stem_def, spec(channels).max_block),
                })
            })
            .collect();
        let flush = (chain.tail() + chain.latency()) as u64;
        Ok(TrackNode {
            name: t.name.clone(),
            pre_gain: (sign * db_to_gain(t.gain_db)) as f32,
            pan: track_pan_gains(channels, stem_def, t.pan, session.settings.pan_law_db),
            buf: AudioBuffer::new(channels, spec(channels).max_block),
            out: AudioBuffer::new(stem_def, spec(channels).max_block),
            align: DelayLine::new(stem_def, 0),
            align_frames: 0,
            sends,
            key_slot: key_slot(&t.name),
            flush,
            chain,
            source,
            stem,
            wave: 0,
            active: false,
        })
    }

    /// Assigns every track and stem its wave: tracks come before their stem and every key
    /// before its listener (Kahn's algorithm, each node one wave after the latest node it
    /// waits for); a cycle of keys is an error naming the buses in it. Returns the number
    /// of waves.
    fn schedule(
        session: &Session,
        tracks: &mut [TrackNode],
        stems: &mut [StemNode],
        stem_index: &[Option<usize>],
    ) -> Result<usize, EngineError> {
        let live_stems: Vec<&stemkit_session::Stem> = session
            .stems
            .iter()
            .zip(stem_index)
            .filter(|(_, i)| i.is_some())
            .map(|(s, _)| s)
            .collect();
        let empty: &[stemkit_dsp::params::InsertSpec] = &[];
        let track_buses: Vec<(crate::Bus<'_>, usize)> = tracks
            .iter()
            .map(|t| {
                let inserts = session
                    .tracks
                    .iter()
                    .find(|d| d.name == t.name)
                    .map_or(empty, |d| &d.inserts[..]);
                let bus = crate::Bus {
                    name: &t.name,
                    inserts,
                };
                (bus, t.stem)
            })
            .collect();
        let stem_buses: Vec<crate::Bus<'_>> = live_stems
            .iter()
            .map(|s| crate::Bus {
                name: &s.name,
                inserts: &s.inserts,
            })
            .collect();
        let wave = crate::schedule(&track_buses, &stem_buses).map_err(EngineError::Session)?;
        let n_t = tracks.len();
        for (t, &w) in tracks.iter_mut().zip(&wave) {
            t.wave = w;
        }
        for (s, &w) in stems.iter_mut().zip(&wave[n_t..]) {
            s.wave = w;
        }
        Ok(wave.iter().max().map_or(0, |w| w + 1))
    }

    pub(crate) fn stem_latency(&self, s: usize) -> usize {
        self.stems[s].latency
    }

    pub(crate) fn stem_channels(&self, s: usize) -> usize {
        self.stems[s].bus.channels()
    }

    pub(crate) fn stem_output(&self, s: usize) -> &AudioBuffer {
        &self.stems[s].bus
    }

    /// Runs tracks, stems and returns for the block of `n` frames at timeline frame `t0`,
    /// on the calling thread pool: the tracks of a wave in parallel, then its stems, then
    /// every return instance. Every sum is taken in a fixed order, so the result is the
    /// same, bit for bit, whatever the number of threads.
    pub(crate) fn process(&mut self, t0: u64, n: usize) -> Result<(), EngineError> {
        self.buses(t0, n)?;
        self.hand_over();
        run_returns(&mut self.returns, &self.keys, n);
        Ok(())
    }

    /// Whether a return's chain listens to a sidechain key: its block then needs the keys
    /// of that block, so [`Graph::overlap`] cannot run it beside the next one.
    pub(crate) fn returns_listen(&self) -> bool {
        self.returns.iter().any(|r| {
            r.global
                .iter()
                .chain(r.shares.iter().map(|(_, i)| i))
                .any(|i| i.chain.listens())
        })
    }

    /// The tracks and stems of the block at `t0`, and the sums of the sends into every
    /// return instance (kept until [`Graph::hand_over`]).
    pub(crate) fn buses(&mut self, t0: u64, n: usize) -> Result<(), EngineError> {
        run_buses(
            &mut self.tracks,
            &mut self.stems,
            &mut self.keys,
            self.waves,
            t0,
            n,
        )?;
        gather(&mut self.inlets, &self.tracks, &self.stems, n);
        Ok(())
    }

    /// Gives every return instance the sends gathered by the last [`Graph::buses`].
    fn hand_over(&mut self) {
        for (inlet, instance) in self.inlets.iter_mut().zip(instances_mut(&mut self.returns)) {
            std::mem::swap(&mut inlet.gathered, &mut instance.input);
        }
    }

    /// Runs the returns of the block [`Graph::buses`] ran last and then `beside` on them,
    /// while the tracks and stems of block `next` (if any) run on the pool beside them.
    /// Returns may not listen to keys here ([`Graph::returns_listen`]). The result is the
    /// same as running the returns before the next block's buses: the two share nothing.
    pub(crate) fn overlap<R: Send>(
        &mut self,
        next: Option<u64>,
        n: usize,
        beside: impl FnOnce(&[ReturnNode]) -> R + Send,
    ) -> (Result<(), EngineError>, R) {
        self.hand_over();
        let Self {
            tracks,
            stems,
            returns,
            inlets,
            waves,
            keys,
            ..
        } = self;
        rayon::join(
            || {
                if let Some(t0) = next {
                    run_buses(tracks, stems, keys, *waves, t0, n)?;
                    gather(inlets, tracks, stems, n);
                }
                Ok(())
            },
            || {
                run_returns(returns, &[], n);
                beside(returns)
            },
        )
    }
}

/// Every return instance in a fixed order: each return's global instance, then its shares.
fn instances_mut(returns: &mut [ReturnNode]) -> impl Iterator<Item = &mut ReturnInstance> {
    returns.iter_mut().flat_map(|r| {
        r.global
            .iter_mut()
            .chain(r.shares.iter_mut().map(|(_, i)| i))
    })
}

/// Tracks and stems of one block, wave by wave (see [`Graph::process`]).
fn run_buses(
    tracks: &mut [TrackNode],
    stems: &mut [StemNode],
    keys: &mut [AudioBuffer],
    waves: usize,
    t0: u64,
    n: usize,
) -> Result<(), EngineError> {
    for k in keys.iter_mut() {
        k.set_frames(n);
    }
    for w in 0..waves {
        let shared_keys: &[AudioBuffer] = keys;
        tracks
            .par_iter_mut()
            .filter(|t| t.wave == w)
            .try_for_each(|t| t.process(t0, n, shared_keys))?;
        let tracks_now: &[TrackNode] = tracks;
        stems
            .par_iter_mut()
            .filter(|s| s.wave == w)
            .for_each(|s| s.process(tracks_now, shared_keys, n));
        for t in tracks.iter().filter(|t| t.wave == w) {
            if let Some(k) = t.key_slot {
                if t.active {
                    keys[k].copy_from(&t.buf);
                } else {
                    keys[k].clear();
                }
            }
        }
        for s in stems.iter().filter(|s| s.wave == w) {
            if let (Some(k), Some(tap)) = (s.key_slot, &s.key_tap) {
                keys[k].copy_from(tap);
            }
        }
    }
    Ok(())
}

/// Each instance's sends summed in their fixed order.
fn gather(inlets: &mut [Inlet], tracks: &[TrackNode], stems: &[StemNode], n: usize) {
    inlets.par_iter_mut().for_each(|inlet| {
        inlet.gathered.set_frames(n);
        inlet.gathered.clear();
        for &feed in &inlet.feeds {
            let tap = match feed {
                Feed::Track(t, k) if tracks[t].active => &tracks[t].sends[k],
                Feed::Track(..) => continue,
                Feed::Stem(s, k) => &stems[s].sends[k],
            };
            inlet.gathered.add_from(&tap.buf, tap.gain);
        }
    });
}

/// Every return instance's inserts and fader on the input handed over, in parallel.
fn run_returns(returns: &mut [ReturnNode], keys: &[AudioBuffer], n: usize) {
    returns.par_iter_mut().for_each(|r| {
        let fader = r.fader;
        r.global
            .par_iter_mut()
            .chain(r.shares.par_iter_mut().map(|(_, i)| i))
            .for_each(|inst| inst.process(keys, fader, n));
    });
}

/// The sends that feed return `ret`: from every track and stem, or (a wet share) only
/// from stem `only` and its tracks.
fn feeds_of(
    tracks: &[TrackNode],
    stems: &[StemNode],
    ret: usize,
    only: Option<usize>,
) -> Vec<Feed> {
    let mut feeds = Vec::new();
    for (ti, t) in tracks.iter().enumerate() {
        if only.is_none_or(|s| s == t.stem) {
            for (k, tap) in t.sends.iter().enumerate() {
                if tap.ret == ret {
                    feeds.push(Feed::Track(ti, k));
                }
            }
        }
    }
    for (si, s) in stems.iter().enumerate() {
        if only.is_none_or(|o| o == si) {
            for (k, tap) in s.sends.iter().enumerate() {
                if tap.ret == ret {
                    feeds.push(Feed::Stem(si, k));
                }
            }
        }
    }
    feeds
}

fn apply_gain(buf: &mut AudioBuffer, gain: f32) {
    if gain != 1.0 {
        for ch in buf.channels_mut() {
            ch.iter_mut().for_each(|x| *x *= gain);
        }
    }
}

impl TrackNode {
    /// A track with no alignment delay and no sends whose pan is a plain gain per
    /// channel: its stem adds `pan × buf` itself, one pass fewer over the block.
    fn direct(&self) -> bool {
        self.align_frames == 0
            && self.sends.is_empty()
            && !(self.buf.channels() == 2 && self.out.channels() == 1)
    }

    /// Adds channel `c` of the track's panned output into `dst`, channel `c` of a bus of
    /// `channels` (a direct track from `buf`, with the very products the pan would have
    /// written to `out`).
    fn add_channel(&self, c: usize, channels: usize, dst: &mut [f32]) {
        if !self.direct() {
            add_scaled(dst, self.out.channel(c), 1.0);
            return;
        }
        let input = self.buf.channel(c.min(self.buf.channels() - 1));
        let gain = if channels == 1 { 1.0 } else { self.pan[c] };
        add_scaled(dst, input, gain);
    }

    /// Source → polarity and gain → inserts → pan → alignment, and the send taps.
    fn process(&mut self, t0: u64, n: usize, keys: &[AudioBuffer]) -> Result<(), EngineError> {
        // A chain that listens to a key runs on every block, sounding or not, so its
        // state follows the key from the start whatever the block size.
        let until = self.source.end + self.flush;
        self.active = self.chain.listens() || (t0 < until && t0 + n as u64 > self.source.start);
        if !self.active {
            return Ok(());
        }
        self.buf.set_frames(n);
        if self.source.overlaps(t0, n) {
            self.source.fill(t0, &mut self.buf, &self.name)?;
        } else {
            self.buf.clear();
        }
        apply_gain(&mut self.buf, self.pre_gain);
        if !self.chain.is_empty() {
            self.chain.process(&mut self.buf, keys);
        }
        if self.direct() {
            // The stem pans it straight from `buf` (see `StemNode::process`).
            if t0 + n as u64 > until {
                let from = until.saturating_sub(t0) as usize;
                for ch in self.buf.channels_mut() {
                    ch[from..].fill(0.0);
                }
            }
            return Ok(());
        }
        // Pan into the stem's layout.
        self.out.set_frames(n);
        match (self.buf.channels(), self.out.channels()) {
            (2, 1) => {
                let (l, r) = (self.buf.channel(0), self.buf.channel(1));
                let (gl, gr) = (0.5 * self.pan[0], 0.5 * self.pan[1]);
                for ((o, &a), &b) in self.out.channel_mut(0).iter_mut().zip(l).zip(r) {
                    *o = gl * a + gr * b;
                }
            }
            (1, 1) => self.out.channel_mut(0).copy_from_slice(self.buf.channel(0)),
            (src, _) => {
                for c in 0..2 {
                    let g = self.pan[c];
                    let input = self.buf.channel(c.min(src - 1));
                    for (o, &x) in self.out.channel_mut(c).iter_mut().zip(input) {
                        *o = g * x;
                    }
                }
            }
        }
        self.align.process(&mut self.out);
        // Past its ring-out the track is silent from the same frame in every block size:
        // what a chain still holds there is below the tail threshold and is dropped.
        if t0 + n as u64 > until {
            let from = until.saturating_sub(t0) as usize;
            for buf in [&mut self.buf, &mut self.out] {
                for ch in buf.channels_mut() {
                    ch[from..].fill(0.0);
                }
            }
        }
        for tap in &mut self.sends {
            tap.take(&self.out);
        }
        Ok(())
    }
}

impl StemNode {
    /// Sum of the active tracks → inserts → pre-fader sends → fader → post-fader sends.
    fn process(&mut self, tracks: &[TrackNode], keys: &[AudioBuffer], n: usize) {
        self.bus.set_frames(n);
        let inputs = &self.inputs;
        let sum = |c: usize, channels: usize, dst: &mut [f32]| {
            dst.fill(0.0);
            for &t in inputs {
                if tracks[t].active {
                    tracks[t].add_channel(c, channels, dst);
                }
            }
        };
        // A stem of many tracks sums its two channels on two threads: with one stem (a
        // plain sum of every track) this is the render's longest step.
        if self.bus.channels() == 2 && inputs.len() >= 4 {
            let (l, r) = self.bus.stereo_mut();
            rayon::join(|| sum(0, 2, l), || sum(1, 2, r));
        } else {
            let channels = self.bus.channels();
            for (c, dst) in self.bus.channels_mut().enumerate() {
                sum(c, channels, dst);
            }
        }
        if !self.chain.is_empty() {
            self.chain.process(&mut self.bus, keys);
        }
        if let Some(tap) = &mut self.key_tap {
            tap.copy_from(&self.bus);
        }
        for tap in self.sends.iter_mut().filter(|t| t.pre_fader) {
            tap.take(&self.bus);
        }
        apply_gain(&mut self.bus, self.fader);
        for tap in self.sends.iter_mut().filter(|t| !t.pre_fader) {
            tap.take(&self.bus);
        }
    }
}

impl ReturnInstance {
    /// The sends handed over → inserts → fader.
    fn process(&mut self, keys: &[AudioBuffer], fader: f32, n: usize) {
        debug_assert_eq!(
            self.input.frames(),
            n,
            "a handed-over block of the render's size"
        );
        self.chain.process(&mut self.input, keys);
        apply_gain(&mut self.input, fader);
    }
}
