//! Building the live graph from a session: nodes, sends, processing order and the delays
//! that line every path up (PDC), by the offline render's rules.

use stemkit_core::{AudioBuffer, DelayLine, ProcessSpec};
use stemkit_dsp::params::{InsertSpec, ParamContext};
use stemkit_engine::{Bus, track_pan_gains};
use stemkit_session::Session;

use super::ramp::{BlockGain, Ramp};
use super::{
    Chain, DjFilter, Graph, Node, ReturnNode, SafetyLimiter, StemNode, StemSend, TrackNode,
    TrackSend, db_gain,
};
use crate::LiveError;
use crate::stream::TrackPlan;

/// Pan gains of a track into its stem, the offline render's rule: the pan law for a mono
/// source into a stereo stem, balance for a stereo source; a mono source into a mono stem
/// passes at unity.
impl Graph {
    /// Main thread: the graph of `session` for the playing tracks `plans` (in the order
    /// their sources will be handed to [`Graph::process`]).
    pub(crate) fn build(
        session: &Session,
        plans: &[TrackPlan],
        max_block: usize,
    ) -> Result<Self, LiveError> {
        let sr = f64::from(session.settings.sample_rate);
        let ctx = ParamContext {
            sample_rate: sr,
            bpm: session.settings.bpm,
        };
        let spec = |channels| ProcessSpec {
            sample_rate: sr,
            max_block,
            channels,
        };
        let key_names = key_names(session);
        let key_slot = |name: &str| key_names.iter().position(|k| k == name);
        let n_ret = session.returns.len();

        let mut tracks = Vec::with_capacity(plans.len());
        for plan in plans {
            let t = &session.tracks[plan.session_index];
            let stem_channels = session.stems[plan.stem].channels;
            let place = format!("track \"{}\"", t.name);
            let sends = t
                .sends
                .iter()
                .filter_map(|s| {
                    Some(TrackSend {
                        ret: session.returns.iter().position(|r| r.name == s.to)?,
                        gain: db_gain(s.level_db) as f32,
                        align: DelayLine::new(0, 0),
                    })
                })
                .collect();
            tracks.push(TrackNode {
                stem: plan.stem,
                pre_gain: ((if t.polarity { -1.0 } else { 1.0 }) * db_gain(t.gain_db)) as f32,
                chain: Chain::build(&t.inserts, &place, &ctx, spec(plan.channels), &key_slot)?,
                pan: track_pan_gains(
                    plan.channels,
                    stem_channels,
                    t.pan,
                    session.settings.pan_law_db,
                ),
                out: AudioBuffer::new(stem_channels, max_block),
                align: DelayLine::new(0, 0),
                sends,
                key_slot: key_slot(&t.name),
            });
        }

        // Latency: a stem's input waits for its slowest track; every send reaches the
        // returns with the slowest stem's latency; every bus reaches the mix with the
        // slowest bus's.
        let mut stem_chains = Vec::with_capacity(session.stems.len());
        let mut in_lat = vec![0_usize; session.stems.len()];
        for t in &tracks {
            in_lat[t.stem] = in_lat[t.stem].max(t.chain.latency());
        }
        for s in &session.stems {
            let place = format!("stem \"{}\"", s.name);
            stem_chains.push(Chain::build(
                &s.inserts,
                &place,
                &ctx,
                spec(s.channels),
                &key_slot,
            )?);
        }
        let stem_lat: Vec<usize> = stem_chains
            .iter()
            .zip(&in_lat)
            .map(|(c, i)| i + c.latency())
            .collect();
        let ret_in = stem_lat.iter().copied().max().unwrap_or(0);
        let mut ret_chains = Vec::with_capacity(n_ret);
        for r in &session.returns {
            let place = format!("return \"{}\"", r.name);
            ret_chains.push(Chain::build(
                &r.inserts,
                &place,
                &ctx,
                spec(r.channels),
                &key_slot,
            )?);
        }
        let ret_lat: Vec<usize> = ret_chains.iter().map(|c| ret_in + c.latency()).collect();
        let common = stem_lat.iter().chain(&ret_lat).copied().max().unwrap_or(0);

        for t in &mut tracks {
            let ch = t.out.channels();
            t.align = DelayLine::new(ch, in_lat[t.stem] - t.chain.latency());
            for tap in &mut t.sends {
                tap.align = DelayLine::new(ch, ret_in - in_lat[t.stem]);
            }
        }
        let stems = session
            .stems
            .iter()
            .zip(stem_chains)
            .enumerate()
            .map(|(si, (s, chain))| {
                let sends = session
                    .returns
                    .iter()
                    .map(|r| {
                        let send = s.sends.iter().find(|x| x.to == r.name);
                        StemSend {
                            level: Ramp::new(
                                send.map_or(0.0, |x| db_gain(x.level_db)),
                                sr,
                                max_block,
                            ),
                            pre_fader: send.is_some_and(|x| x.pre_fader),
                            align: DelayLine::new(s.channels, ret_in - stem_lat[si]),
                            delays: ret_in > stem_lat[si],
                        }
                    })
                    .collect();
                StemNode {
                    bus: AudioBuffer::new(s.channels, max_block),
                    chain,
                    filter: DjFilter::new(sr),
                    fader_db: s.gain_db,
                    mute: s.mute,
                    solo: false,
                    fader: Ramp::new(db_gain(s.gain_db), sr, max_block),
                    audible: Ramp::new(if s.mute { 0.0 } else { 1.0 }, sr, max_block),
                    audible_now: BlockGain::Constant(1.0),
                    sends,
                    out_align: DelayLine::new(s.channels, common - stem_lat[si]),
                    key_slot: key_slot(&s.name),
                    key_tap: key_slot(&s.name).map(|_| AudioBuffer::new(s.channels, max_block)),
                    helper: None,
                    reduction: 0.0,
                }
            })
            .collect();
        let returns = session
            .returns
            .iter()
            .zip(ret_chains)
            .zip(&ret_lat)
            .map(|((r, chain), &lat)| ReturnNode {
                input: AudioBuffer::new(r.channels, max_block),
                chain,
                fader_db: r.gain_db,
                mute: r.mute,
                gain: Ramp::new(if r.mute { 0.0 } else { db_gain(r.gain_db) }, sr, max_block),
                out_align: DelayLine::new(r.channels, common - lat),
            })
            .collect();
        let master_chain =
            Chain::build(&session.master.inserts, "[master]", &ctx, spec(2), &|_| {
                None
            })?;
        let limiter = SafetyLimiter::new(true, sr, max_block);
        let latency = common + master_chain.latency() + limiter.latency();
        let waves = waves(session, plans)?;
        let keys = key_names
            .iter()
            .map(|k| {
                let channels = plans
                    .iter()
                    .find(|p| &p.name == k)
                    .map(|p| p.channels)
                    .or_else(|| {
                        session
                            .stems
                            .iter()
                            .find(|s| &s.name == k)
                            .map(|s| s.channels)
                    })
                    .unwrap_or(2);
                AudioBuffer::new(channels, max_block)
            })
            .collect();
        Ok(Self {
            tracks,
            stems,
            returns,
            master_chain,
            master_gain: Ramp::new(db_gain(session.master.gain_db), sr, max_block),
            limiter,
            waves,
            keys,
            mix: AudioBuffer::new(2, max_block),
            scratch: [
                AudioBuffer::new(1, max_block),
                AudioBuffer::new(2, max_block),
            ],
            product: vec![0.0; max_block],
            latency,
            helpers: None,
        })
    }
}

/// Every track or stem some compressor listens to, each once.
fn key_names(session: &Session) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let inserts = session
        .tracks
        .iter()
        .flat_map(|t| &t.inserts)
        .chain(session.stems.iter().flat_map(|s| &s.inserts))
        .chain(session.returns.iter().flat_map(|r| &r.inserts))
        .chain(&session.master.inserts);
    for i in inserts {
        if let InsertSpec::Compressor(c) = i
            && let Some(k) = &c.key
            && !names.contains(k)
        {
            names.push(k.clone());
        }
    }
    names
}

/// The waves of the offline render's schedule: each node one wave after the latest node
/// it waits for (its tracks, its keys; Kahn's algorithm); a loop of keys is an error
/// naming the buses in it.
fn waves(session: &Session, plans: &[TrackPlan]) -> Result<Vec<Vec<Node>>, LiveError> {
    let n_t = plans.len();
    let n = n_t + session.stems.len();
    let tracks: Vec<(Bus<'_>, usize)> = plans
        .iter()
        .map(|p| {
            let bus = Bus {
                name: &p.name,
                inserts: &session.tracks[p.session_index].inserts,
            };
            (bus, p.stem)
        })
        .collect();
    let stems: Vec<Bus<'_>> = session
        .stems
        .iter()
        .map(|s| Bus {
            name: &s.name,
            inserts: &s.inserts,
        })
        .collect();
    let wave = stemkit_engine::schedule(&tracks, &stems).map_err(LiveError::Session)?;
    let count = wave.iter().max().map_or(0, |w| w + 1);
    Ok((0..count)
        .map(|w| {
            (0..n)
                .filter(|&i| wave[i] == w)
                .map(|i| {
                    if i < n_t {
                        Node::Track(i)
                    } else {
                        Node::Stem(i - n_t)
                    }
                })
                .collect()
        })
        .collect())
}
