//! The offline render: one pass over the timeline writes every print.

use std::path::{Path, PathBuf};

use stemkit_dsp::dither::DitherKind;
use stemkit_dsp::params::InsertSpec;
use stemkit_dsp::params::ParamContext;
use stemkit_session::naming::{NameFields, Template};
use stemkit_session::{Dither, MasterMode, Session, Variant};

use crate::consistent::Distributed;
use crate::graph::{Graph, ReturnNode};
use crate::print::{Component, OutFile, Writer};
use crate::{EngineError, NullTest, Render, Role};
use rayon::prelude::*;

/// Where and how to render. The session's `[output]` says the rest.
///
/// Neither the block size nor the number of threads changes a single output sample: every
/// dither sequence runs per channel in frame order, and every sum is taken in a fixed
/// order whatever thread computed its terms.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    pub out_dir: PathBuf,
    /// Frames per processing block: large offline, so the threads meet rarely.
    pub block: usize,
    /// Worker threads; 0 = one per available core.
    pub threads: usize,
    /// Print only the pre-master mix (and the mastered mix when the master is active):
    /// the same mix file a full render writes, without the stem and return files.
    pub mix_only: bool,
}

impl RenderOptions {
    #[must_use]
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        Self {
            out_dir: out_dir.into(),
            block: 8192,
            threads: 0,
            mix_only: false,
        }
    }
}

/// -96 dBFS: the level below which an automatic tail counts a bus as decayed.
const QUIET: f32 = 1.584_893_2e-5;

/// One file to print: which components it sums, and where its sample 0 is.
struct FileSpec {
    role: Role,
    name: String,
    variant: Option<Variant>,
    parts: Vec<usize>,
    channels: usize,
    /// Processing frames dropped before file frame 0.
    discard: u64,
    /// Part of the master-consistent set.
    mastered: bool,
}

/// A null test being accumulated: a mix file against the sum of a set of files.
struct NullSet {
    name: &'static str,
    mix: usize,
    set: Vec<usize>,
    acc: NullAcc,
}

/// Renders `session` into `opts.out_dir`, calling `progress(done, total)` in frames.
/// Files are left under temporary names: the caller commits them (after verifying) or
/// drops them, which deletes them.
///
/// # Errors
/// [`EngineError`] naming the track, bus or file that failed; no file is left behind.
pub fn render(
    session: &Session,
    opts: &RenderOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Render, EngineError> {
    let out = &session.output;
    let sr = session.settings.sample_rate;
    let fsr = f64::from(sr);
    let block = opts.block.max(64);
    let wet = out.variants.contains(&Variant::Wet);
    let dry = out.variants.contains(&Variant::Dry);
    let (mut graph, layout, mut warnings) = Graph::build(session, block, wet)?;

    // Common latency: every bus output is delayed to the slowest, and that much is
    // dropped from the start of every file.
    let stem_count = layout.stem_index.iter().flatten().count();
    let common = (0..stem_count)
        .map(|s| graph.stem_latency(s))
        .chain(graph.returns.iter().map(|r| r.latency))
        .max()
        .unwrap_or(0);
    let common64 = common as u64;

    let dither = match out.dither {
        Dither::None => DitherKind::None,
        Dither::Tpdf => DitherKind::Tpdf,
    };
    let mut comps: Vec<Component> = Vec::new();
    let mut taps: Vec<Tap> = Vec::new();
    let mut new_comp = |tap: Tap, channels: usize, latency: usize, dither: DitherKind| {
        let seed = comps.len() as u64;
        taps.push(tap);
        comps.push(Component::new(
            channels,
            block,
            common - latency,
            out.bit_depth,
            dither,
            seed,
        ));
        comps.len() - 1
    };
    // Components: each stem; per return either the global instance or the shares.
    let stem_comp: Vec<usize> = (0..stem_count)
        .map(|s| {
            new_comp(
                Tap::Stem(s),
                graph.stem_channels(s),
                graph.stem_latency(s),
                dither,
            )
        })
        .collect();
    let ret_comps: Vec<ReturnComps> = graph
        .returns
        .iter()
        .enumerate()
        .map(|(ri, r)| {
            let ch = r.channels();
            ReturnComps {
                global: r
                    .global
                    .as_ref()
                    .map(|_| new_comp(Tap::Return(ri), ch, r.latency, dither)),
                shares: (0..r.shares.len())
                    .map(|k| new_comp(Tap::Share(ri, k), ch, r.latency, dither))
                    .collect(),
                channels: ch,
            }
        })
        .collect();
    // A return's file: its global instance, or (wet, linear) the sum of its shares.
    let return_parts: Vec<Vec<usize>> = ret_comps
        .iter()
        .map(|rc| rc.global.map_or_else(|| rc.shares.clone(), |g| vec![g]))
        .collect();
    let mix_parts: Vec<usize> = stem_comp
        .iter()
        .copied()
        .chain(return_parts.iter().flatten().copied())
        .collect();
    let comp_channels = |c: usize| {
        if stem_comp.contains(&c) {
            graph.stem_channels(stem_comp.iter().position(|&x| x == c).unwrap_or(0))
        } else {
            ret_comps
                .iter()
                .find(|rc| rc.global == Some(c) || rc.shares.contains(&c))
                .map_or(2, |rc| rc.channels)
        }
    };

    // Master: the mix through the master chain, distributed over the components when
    // the prints are to be master-consistent.
    let consistent = out.master == MasterMode::Consistent;
    if consistent && !session.master.is_active() {
        warnings.push(
            "master = \"consistent\" with an empty [master]: the stems already sum to the mix"
                .into(),
        );
    }
    let ctx = ParamContext {
        sample_rate: fsr,
        bpm: session.settings.bpm,
    };
    let part_channels: Vec<usize> = if consistent {
        mix_parts.iter().map(|&c| comp_channels(c)).collect()
    } else {
        Vec::new()
    };
    let mut master = if session.master.is_active() {
        Some(Distributed::build(
            &session.master.inserts,
            session.master.gain_db,
            &part_channels,
            &ctx,
            block,
        )?)
    } else {
        None
    };
    let consistent = consistent && master.is_some();
    let master_latency = master.as_ref().map_or(0, Distributed::latency) as u64;
    if let Some(m) = master.as_ref().filter(|_| consistent) {
        for what in &m.undistributed {
            warnings.push(format!(
                "[master] {what} cannot be distributed over the stems: its effect is printed as the residual stem"
            ));
        }
    }
    let mastered_comp: Vec<usize> = part_channels
        .iter()
        .map(|&c| new_comp(Tap::Master, c, common, dither))
        .collect();
    // The master's own output: the residual in consistent mode (rounded, not dithered,
    // so an all-but-silent residual stays digital silence), else the mastered mix.
    let master_out = master.as_ref().map(|_| {
        new_comp(
            Tap::Master,
            2,
            common,
            if consistent { DitherKind::None } else { dither },
        )
    });

    // The files.
    let stem_files = |variant: Variant| -> Vec<FileSpec> {
        let live_stems = session
            .stems
            .iter()
            .zip(&layout.stem_index)
            .filter(|(_, i)| i.is_some());
        live_stems
            .enumerate()
            .map(|(s, (st, _))| {
                let mut parts = vec![stem_comp[s]];
                let mut channels = st.channels;
                if variant == Variant::Wet {
                    for (r, rc) in graph.returns.iter().zip(&ret_comps) {
                        for ((stem, _), &c) in r.shares.iter().zip(&rc.shares) {
                            if *stem == s {
                                parts.push(c);
                                channels = channels.max(rc.channels);
                            }
                        }
                    }
                }
                FileSpec {
                    role: Role::Stem,
                    name: st.name.clone(),
                    variant: Some(variant),
                    parts,
                    channels,
                    discard: common64,
                    mastered: false,
                }
            })
            .collect()
    };
    let mut specs: Vec<FileSpec> = Vec::new();
    let mut sets: Vec<(&'static str, Vec<usize>)> = Vec::new();
    if dry {
        let first = specs.len();
        specs.extend(stem_files(Variant::Dry));
        let live_returns = session
            .returns
            .iter()
            .zip(&layout.return_index)
            .filter(|(_, i)| i.is_some());
        for ((ret, _), parts) in live_returns.zip(&return_parts) {
            specs.push(FileSpec {
                role: Role::Return,
                name: ret.name.clone(),
                variant: None,
                parts: parts.clone(),
                channels: ret.channels,
                discard: common64,
                mastered: false,
            });
        }
        sets.push(("dry", (first..specs.len()).collect()));
    }
    if wet {
        let first = specs.len();
        specs.extend(stem_files(Variant::Wet));
        sets.push(("wet", (first..specs.len()).collect()));
    }
    let mix_file = specs.len();
    specs.push(FileSpec {
        role: Role::Mix,
        name: out.mix_name.clone(),
        variant: None,
        parts: mix_parts.clone(),
        channels: 2,
        discard: common64,
        mastered: false,
    });
    let mut residual_file = None;
    if let Some(res) = master_out {
        let master_discard = common64 + master_latency;
        let mut mastered_parts = vec![res];
        if consistent {
            // Every pre-master file again, its parts through the distributed master.
            let map = |c: usize| {
                mix_parts
                    .iter()
                    .position(|&p| p == c)
                    .map_or(c, |k| mastered_comp[k])
            };
            let mut mastered_set = Vec::new();
            let printed_set = sets.first().map(|(_, set)| set.clone()).unwrap_or_default();
            for &f in &printed_set {
                let src = &specs[f];
                let copy = FileSpec {
                    role: src.role,
                    name: src.name.clone(),
                    variant: src.variant,
                    parts: src.parts.iter().map(|&c| map(c)).collect(),
                    channels: src.channels,
                    discard: master_discard,
                    mastered: true,
                };
                mastered_set.push(specs.len());
                specs.push(copy);
            }
            residual_file = Some(specs.len());
            mastered_set.push(specs.len());
            specs.push(FileSpec {
                role: Role::Stem,
                name: format!("{}_Residual", out.mix_name),
                variant: None,
                parts: vec![res],
                channels: 2,
                discard: master_discard,
                mastered: true,
            });
            sets.push(("mastered", mastered_set));
            mastered_parts = mastered_comp.clone();
            mastered_parts.push(res);
        }
        specs.push(FileSpec {
            role: Role::Master,
            name: format!("{}_Master", out.mix_name),
            variant: None,
            parts: mastered_parts,
            channels: 2,
            discard: master_discard,
            mastered: true,
        });
    }
    let mut mix_file = mix_file;
    if opts.mix_only {
        specs.retain(|f| matches!(f.role, Role::Mix | Role::Master));
        sets.clear();
        residual_file = None;
        mix_file = specs.iter().position(|f| f.role == Role::Mix).unwrap_or(0);
    }
    let master_file = specs.iter().position(|f| f.role == Role::Master);

    let template = Template::parse(&out.naming).map_err(EngineError::Session)?;
    let namer = Namer {
        session,
        template: &template,
        dir: &opts.out_dir,
        ext: out.format.extension(),
        both: dry && wet,
    };
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| EngineError::Write {
        path: opts.out_dir.clone(),
        source: stemkit_io::IoError::Write {
            path: opts.out_dir.clone(),
            source: e,
        },
    })?;
    let mut taken = std::collections::HashSet::new();
    let mut files: Vec<OutFile> = Vec::with_capacity(specs.len());
    for f in specs {
        let path = namer.path(&f.name, f.variant, f.mastered && f.role != Role::Master);
        if !taken.insert(path.file_name().map(|n| n.to_string_lossy().to_lowercase())) {
            return Err(EngineError::Session(format!(
                "two prints would be written to {}; make [output] naming distinguish them",
                path.display()
            )));
        }
        let meta = namer.metadata(f.role, &f.name, f.variant, f.channels, f.mastered);
        let writer = Writer::create(&path, out.format, f.channels, out.bit_depth, sr, &meta)
            .map_err(|source| EngineError::Write {
                path: path.clone(),
                source,
            })?;
        files.push(OutFile::create(
            writer,
            &path,
            f.role,
            f.name,
            f.variant,
            f.parts,
            f.channels,
            f.discard,
            f.mastered,
            out.bit_depth,
            sr,
            block,
        )?);
    }
    let mut nulls: Vec<NullSet> = sets
        .into_iter()
        .map(|(name, set)| NullSet {
            name,
            mix: if name == "mastered" {
                master_file.unwrap_or(mix_file)
            } else {
                mix_file
            },
            set,
            acc: NullAcc::new(block),
        })
        .collect();

    // Length.
    let start = session.settings.start;
    let content_end = match session.settings.end.value() {
        Some(end) => ((end - start) * fsr).round() as u64,
        None => graph.content_end,
    };
    let fixed_tail = session
        .settings
        .tail
        .value()
        .map(|t| (t * fsr).round() as u64);
    let auto_cap = (30.0 * fsr) as u64;
    let hold = (0.05 * fsr) as u64 + gap_frames(session, fsr);
    let length = match fixed_tail {
        Some(t) => Some(content_end + t),
        None if graph.max_tail == 0 => Some(content_end),
        None => None,
    };
    if length == Some(0) {
        return Err(EngineError::Session(
            "the render would be empty: no track plays after the session start".into(),
        ));
    }
    let estimate = length.unwrap_or(content_end + graph.max_tail.clamp(hold, auto_cap));

    // The loop runs on a worker of the pool, so the parallel steps of each block stay
    // inside the pool; progress comes back to the calling thread over a channel.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| EngineError::Session(format!("cannot start the render threads: {e}")))?;
    let integer = out.bit_depth.is_integer();
    let (tx, rx) = std::sync::mpsc::channel::<(u64, u64)>();
    // Two stages overlap: while the returns of block k run and block k is quantised,
    // mastered, written and null-tested, the tracks and stems of block k + 1 already run
    // (each stage on the pool). The stems' outputs for block k are copied into their
    // components first and the returns work on the sends handed over to them, so the
    // stages share nothing. Returns that listen to a sidechain key need their block's
    // keys: then the whole graph runs before each block is printed.
    let pipelined = !graph.returns_listen();
    let mut run =
        |tx: std::sync::mpsc::Sender<(u64, u64)>| -> Result<(Option<u64>, f32), EngineError> {
            let mut length = length;
            let mut t0: u64 = 0;
            let mut quiet_run: u64 = 0;
            let mut float_residual = 0.0_f32;
            // Fewer components than threads: each splits its channels instead.
            let split = comps.len() < rayon::current_num_threads();
            let n = block;
            if pipelined {
                graph.buses(t0, n)?;
            } else {
                graph.process(t0, n)?;
            }
            loop {
                comps.par_iter_mut().zip(&taps).for_each(|(comp, tap)| {
                    if let Tap::Stem(s) = *tap {
                        comp.align(graph.stem_output(s));
                    }
                });
                let next = t0 + n as u64;
                // Whether this block ends every file, as far as is known before its tail.
                let known_end = ends(&files, length, t0, n);
                let mut finish = |returns: &[ReturnNode]| -> Result<(), EngineError> {
                    for (comp, tap) in comps.iter_mut().zip(&taps) {
                        match *tap {
                            Tap::Return(r) => {
                                if let Some(g) = &returns[r].global {
                                    comp.align(&g.input);
                                }
                            }
                            Tap::Share(r, k) => comp.align(&returns[r].shares[k].1.input),
                            Tap::Stem(_) | Tap::Master => {}
                        }
                    }
                    // Automatic tail: stop once every bus has been quiet for the hold time.
                    let file_end = (t0 + n as u64).saturating_sub(common64);
                    if length.is_none() && file_end > content_end {
                        let loud = mix_parts.iter().any(|&p| comps[p].aligned.peak() >= QUIET);
                        quiet_run = if loud { 0 } else { quiet_run + n as u64 };
                        if quiet_run >= hold || file_end >= content_end + auto_cap {
                            length = Some(file_end.max(content_end));
                        }
                    }
                    let len_now = length.unwrap_or(u64::MAX);
                    comps.par_iter_mut().for_each(|c| c.quantise(split));
                    if let (Some(m), Some(res)) = (&mut master, master_out) {
                        m.mix.set_frames(n);
                        m.mix.clear();
                        for &p in &mix_parts {
                            m.mix.add_from(&comps[p].aligned, 1.0);
                        }
                        for (buf, &p) in m.parts.iter_mut().zip(&mix_parts) {
                            buf.copy_from(&comps[p].aligned);
                        }
                        m.process();
                        for (buf, &c) in m.parts.iter().zip(&mastered_comp) {
                            comps[c].take(buf, false);
                        }
                        comps[res].take(&m.residual, false);
                        if consistent {
                            float_residual = float_residual.max(m.residual.peak());
                        }
                    }
                    files
                        .par_iter_mut()
                        .try_for_each(|f| f.write_block(&comps, t0, n, len_now))?;
                    // Null tests from the very samples written.
                    for ns in &mut nulls {
                        let count = files[ns.mix].block_count(t0, n, len_now);
                        if count > 0 {
                            ns.acc.add(&files, ns.mix, &ns.set, count, integer);
                        }
                    }
                    Ok(())
                };
                if pipelined {
                    let (processed, printed) =
                        graph.overlap((!known_end).then_some(next), n, |returns| finish(returns));
                    printed?;
                    processed?;
                } else {
                    finish(&graph.returns)?;
                    if !ends(&files, length, t0, n) {
                        graph.process(next, n)?;
                    }
                }
                t0 = next;
                let len_now = length.unwrap_or(u64::MAX);
                // The receiver only goes away with the render itself.
                let _ = tx.send((
                    t0.saturating_sub(common64).min(len_now),
                    length.unwrap_or(estimate),
                ));
                if length.is_some_and(|len| files.iter().all(|f| f.done(len))) {
                    return Ok((length, float_residual));
                }
            }
        };
    let (length, float_residual) = std::thread::scope(|scope| {
        let worker = scope.spawn(|| pool.install(|| run(tx)));
        for (done, total) in rx {
            progress(done, total);
        }
        worker.join()
    })
    .map_err(|_| EngineError::Session("the render thread failed".into()))??;
    let frames = length.unwrap_or(0);

    // A fully distributed master leaves a residual of rounding noise only: silent in
    // integer prints, float dust in 32-bit ones; neither is worth a file.
    let keep_residual = master.as_ref().is_some_and(|m| !m.undistributed.is_empty());
    let mut printed = Vec::with_capacity(files.len());
    // Where each file of the render ends up in `printed` (a dropped residual: nowhere).
    let mut index = vec![None; files.len()];
    for (i, f) in files.into_iter().enumerate() {
        let p = f.finish(&comps)?;
        if Some(i) == residual_file
            && !keep_residual
            && (p.peak == 0.0 || !out.bit_depth.is_integer())
        {
            continue;
        }
        if p.clipped > 0 {
            warnings.push(format!(
                "{} \"{}\": {} samples clipped",
                role_word(p.role),
                p.name,
                p.clipped
            ));
        }
        index[i] = Some(printed.len());
        printed.push(p);
    }
    let null_tests = nulls
        .iter()
        .map(|ns| {
            let mut t = ns.acc.result(ns.name, out.bit_depth);
            if ns.name == "mastered" {
                t.float_residual_dbfs =
                    Some((float_residual > 0.0).then(|| 20.0 * f64::from(float_residual).log10()));
            }
            t.mix = index[ns.mix].unwrap_or(0);
            t.members = ns.set.iter().filter_map(|&f| index[f]).collect();
            t
        })
        .collect();
    Ok(Render {
        files: printed,
        null_tests,
        warnings,
        frames,
        sample_rate: sr,
        compensated_latency: common,
    })
}

/// Whether writing the block at `t0` completes every file of a render of `length` frames.
fn ends(files: &[OutFile], length: Option<u64>, t0: u64, n: usize) -> bool {
    length.is_some_and(|len| files.iter().all(|f| f.done_after(t0, n, len)))
}

fn role_word(r: Role) -> &'static str {
    match r {
        Role::Stem => "stem",
        Role::Return => "return",
        Role::Mix => "mix",
        Role::Master => "master",
    }
}

/// The longest silent gap a chain can leave before sound reappears (delay times,
/// predelays): an automatic tail must not stop inside one.
fn gap_frames(session: &Session, sr: f64) -> u64 {
    let inserts = session
        .tracks
        .iter()
        .flat_map(|t| &t.inserts)
        .chain(session.stems.iter().flat_map(|s| &s.inserts))
        .chain(session.returns.iter().flat_map(|r| &r.inserts));
    let secs = inserts
        .map(|i| match i {
            InsertSpec::Delay(d) => d.time.seconds(session.settings.bpm).unwrap_or(0.0),
            InsertSpec::Reverb(r) => r.predelay_ms / 1000.0,
            _ => 0.0,
        })
        .fold(0.0, f64::max);
    (secs * sr).ceil() as u64
}

/// Which bus output a component takes each block.
#[derive(Clone, Copy)]
enum Tap {
    Stem(usize),
    /// The global instance of a return.
    Return(usize),
    /// Share `k` of a return (wet variant).
    Share(usize, usize),
    /// A master output, taken after the master stage has run.
    Master,
}

/// The components of one return: its global instance and its per-stem shares (parallel
/// to the graph's `shares`).
struct ReturnComps {
    global: Option<usize>,
    shares: Vec<usize>,
    channels: usize,
}

struct Namer<'a> {
    session: &'a Session,
    template: &'a Template,
    dir: &'a Path,
    ext: &'a str,
    both: bool,
}

impl Namer<'_> {
    /// The path of a print; `mastered` files of the master-consistent set get a
    /// `_mastered` suffix, wet ones a `_wet` suffix when both variants are printed and
    /// the template does not say `{variant}`.
    fn path(&self, name: &str, variant: Option<Variant>, mastered: bool) -> PathBuf {
        let set = &self.session.settings;
        let fields = NameFields {
            session: &set.name,
            stem: name,
            bpm: set.bpm,
            key: set.key.as_deref(),
            sample_rate: set.sample_rate,
            bits: self.session.output.bit_depth.bits(),
            variant: variant.map_or("", Variant::as_str),
        };
        let mut base = self.template.render(&fields);
        if self.both && variant == Some(Variant::Wet) && !self.template.has_variant() {
            base.push_str("_wet");
        }
        if mastered {
            base.push_str("_mastered");
        }
        self.dir.join(format!("{base}.{}", self.ext))
    }

    /// BWF and iXML metadata: what the file is, and where its sample 0 sits.
    fn metadata(
        &self,
        role: Role,
        name: &str,
        variant: Option<Variant>,
        channels: usize,
        mastered: bool,
    ) -> stemkit_io::WavMetadata {
        let set = &self.session.settings;
        let contract = if mastered && role != Role::Master {
            ", master-consistent"
        } else {
            ""
        };
        let what = match (role, variant) {
            (Role::Stem, Some(v)) => format!("stem {name} ({})", v.as_str()),
            (Role::Stem, None) => format!("stem {name}"),
            (Role::Return, _) => format!("return {name}"),
            (Role::Mix, _) => format!("mix {name} (pre-master)"),
            (Role::Master, _) => format!("mix {name} (mastered)"),
        };
        let what = format!("{what}{contract}");
        let description = format!("{}: {what}", set.name);
        let time_reference = (set.start * f64::from(set.sample_rate)).round() as u64;
        let track_names = if channels == 1 {
            vec![name.to_owned()]
        } else {
            vec![format!("{name} L"), format!("{name} R")]
        };
        stemkit_io::WavMetadata {
            bext: Some(stemkit_io::Bext::new(description, time_reference)),
            ixml: Some(stemkit_io::Ixml {
                project: set.name.clone(),
                tempo_bpm: set.bpm,
                key: set.key.clone(),
                note: Some(what),
                track_names,
            }),
        }
    }
}

/// Running peak of mix minus the sum of a set of files.
struct NullAcc {
    peak: f64,
    ints: Vec<i64>,
    floats: Vec<f64>,
}

impl NullAcc {
    fn new(max_block: usize) -> Self {
        Self {
            peak: 0.0,
            ints: vec![0; max_block],
            floats: vec![0.0; max_block],
        }
    }

    /// The residual of this block's `count` frames, summed file by file so each pass is
    /// one vectorisable loop: exactly in `i64` for integer prints, in `f64` for float ones.
    fn add(&mut self, files: &[OutFile], mix: usize, set: &[usize], count: usize, integer: bool) {
        for c in 0..2 {
            if integer {
                let acc = &mut self.ints[..count];
                for (a, &v) in acc.iter_mut().zip(files[mix].last_int(c, count)) {
                    *a = i64::from(v);
                }
                for &f in set {
                    for (a, &v) in acc.iter_mut().zip(files[f].last_int(c, count)) {
                        *a -= i64::from(v);
                    }
                }
                let p = acc.iter().map(|a| a.unsigned_abs()).max().unwrap_or(0);
                self.peak = self.peak.max(p as f64);
            } else {
                let acc = &mut self.floats[..count];
                for (a, &v) in acc.iter_mut().zip(files[mix].last_float(c, count)) {
                    *a = f64::from(v);
                }
                for &f in set {
                    for (a, &v) in acc.iter_mut().zip(files[f].last_float(c, count)) {
                        *a -= f64::from(v);
                    }
                }
                self.peak = acc.iter().fold(self.peak, |p, a| p.max(a.abs()));
            }
        }
    }

    fn result(&self, set: &'static str, bits: stemkit_session::BitDepth) -> NullTest {
        let scale = if bits.is_integer() {
            f64::from(1_u32 << (bits.bits() - 1))
        } else {
            1.0
        };
        NullTest {
            set,
            float_residual_dbfs: None,
            residual_peak_dbfs: (self.peak > 0.0).then(|| 20.0 * (self.peak / scale).log10()),
            bit_exact: self.peak == 0.0 && bits.is_integer(),
            mix: 0,
            members: Vec::new(),
        }
    }
}
