//! The offline render: one pass over the timeline writes every print.

use std::path::{Path, PathBuf};

use stemkit_core::AudioBuffer;
use stemkit_dsp::dither::DitherKind;
use stemkit_dsp::params::InsertSpec;
use stemkit_session::naming::{NameFields, Template};
use stemkit_session::{Dither, Session, Variant};

use crate::graph::Graph;
use crate::print::{Component, OutFile, Writer};
use crate::{EngineError, NullTest, Render, Role};

/// Where and how to render. The session's `[output]` says the rest.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    pub out_dir: PathBuf,
    /// Frames per processing block.
    pub block: usize,
}

impl RenderOptions {
    #[must_use]
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        Self {
            out_dir: out_dir.into(),
            block: 2048,
        }
    }
}

/// -96 dBFS: the level below which an automatic tail counts a bus as decayed.
const QUIET: f32 = 1.584_893_2e-5;

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
    let block = opts.block.max(64);
    let variants = &out.variants;
    let wet = variants.contains(&Variant::Wet);
    let dry = variants.contains(&Variant::Dry);
    let (mut graph, layout, mut warnings) = Graph::build(session, block, wet)?;

    // Common latency: every bus output is delayed to the slowest, and that much is
    // dropped from the start of every file.
    let stem_count = layout.stem_index.iter().flatten().count();
    let common = (0..stem_count)
        .map(|s| graph.stem_latency(s))
        .chain(graph.returns.iter().map(|r| r.latency))
        .max()
        .unwrap_or(0);

    let dither = match out.dither {
        Dither::None => DitherKind::None,
        Dither::Tpdf => DitherKind::Tpdf,
    };
    let mut comps: Vec<Component> = Vec::new();
    let mut new_comp = |channels: usize, latency: usize| {
        let seed = comps.len() as u64;
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
        .map(|s| new_comp(graph.stem_channels(s), graph.stem_latency(s)))
        .collect();
    let ret_comps: Vec<ReturnComps> = graph
        .returns
        .iter()
        .map(|r| {
            let ch = r.channels();
            ReturnComps {
                global: r.global.as_ref().map(|_| new_comp(ch, r.latency)),
                shares: r.shares.iter().map(|_| new_comp(ch, r.latency)).collect(),
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

    // Master: the float mix through the master chain.
    let master = if session.master.is_active() {
        Some(crate::chain::Chain::build(
            &session.master.inserts,
            "[master]",
            &stemkit_dsp::params::ParamContext {
                sample_rate: f64::from(sr),
                bpm: session.settings.bpm,
            },
            stemkit_core::ProcessSpec {
                sample_rate: f64::from(sr),
                max_block: block,
                channels: 2,
            },
            &|_| None,
        )?)
    } else {
        None
    };
    let master_latency = master.as_ref().map_or(0, crate::chain::Chain::latency);
    let master_comp = master.as_ref().map(|_| new_comp(2, common));

    // Files.
    let template = Template::parse(&out.naming).map_err(EngineError::Session)?;
    let both = dry && wet;
    let namer = Namer {
        session,
        template: &template,
        dir: &opts.out_dir,
        ext: out.format.extension(),
    };
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| EngineError::Write {
        path: opts.out_dir.clone(),
        source: stemkit_io::IoError::Write {
            path: opts.out_dir.clone(),
            source: e,
        },
    })?;
    let mut files: Vec<OutFile> = Vec::new();
    let mut taken = std::collections::HashSet::new();
    let mut add_file = |role: Role,
                        name: &str,
                        variant: Option<Variant>,
                        parts: Vec<usize>,
                        channels: usize,
                        discard: u64| {
        let path = namer.path(name, variant, both);
        if !taken.insert(path.file_name().map(|f| f.to_string_lossy().to_lowercase())) {
            return Err(EngineError::Session(format!(
                "two prints would be written to {}; make [output] naming distinguish them",
                path.display()
            )));
        }
        let meta = namer.metadata(role, name, variant, channels);
        let writer = Writer::create(&path, out.format, channels, out.bit_depth, sr, &meta)
            .map_err(|source| EngineError::Write {
                path: path.clone(),
                source,
            })?;
        files.push(OutFile::create(
            writer,
            &path,
            role,
            name.to_owned(),
            variant,
            parts,
            channels,
            discard,
            out.bit_depth,
            sr,
            block,
        )?);
        Ok(files.len() - 1)
    };
    let live_stems: Vec<&stemkit_session::Stem> = session
        .stems
        .iter()
        .zip(&layout.stem_index)
        .filter(|(_, i)| i.is_some())
        .map(|(s, _)| s)
        .collect();
    let live_returns: Vec<&stemkit_session::Return> = session
        .returns
        .iter()
        .zip(&layout.return_index)
        .filter(|(_, i)| i.is_some())
        .map(|(r, _)| r)
        .collect();
    let common64 = common as u64;
    let mut dry_files = Vec::new();
    let mut wet_files = Vec::new();
    if dry {
        for (s, st) in live_stems.iter().enumerate() {
            dry_files.push(add_file(
                Role::Stem,
                &st.name,
                Some(Variant::Dry),
                vec![stem_comp[s]],
                st.channels,
                common64,
            )?);
        }
        for (r, ret) in live_returns.iter().enumerate() {
            dry_files.push(add_file(
                Role::Return,
                &ret.name,
                None,
                return_parts[r].clone(),
                ret.channels,
                common64,
            )?);
        }
    }
    if wet {
        for (s, st) in live_stems.iter().enumerate() {
            let mut parts = vec![stem_comp[s]];
            let mut channels = st.channels;
            for (r, rc) in graph.returns.iter().zip(&ret_comps) {
                for ((stem, _), &c) in r.shares.iter().zip(&rc.shares) {
                    if *stem == s {
                        parts.push(c);
                        channels = channels.max(rc.channels);
                    }
                }
            }
            wet_files.push(add_file(
                Role::Stem,
                &st.name,
                Some(Variant::Wet),
                parts,
                channels,
                common64,
            )?);
        }
    }
    let mix_file = add_file(
        Role::Mix,
        &out.mix_name,
        None,
        mix_parts.clone(),
        2,
        common64,
    )?;
    if let Some(c) = master_comp {
        add_file(
            Role::Master,
            &format!("{}_Master", out.mix_name),
            None,
            vec![c],
            2,
            common64 + master_latency as u64,
        )?;
    }

    // Length.
    let start = session.settings.start;
    let fsr = f64::from(sr);
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
    let mut length = match fixed_tail {
        Some(t) => Some(content_end + t),
        None if graph.max_tail == 0 => Some(content_end),
        None => None,
    };
    if length == Some(0) {
        return Err(EngineError::Session(
            "the render would be empty: no track plays after the session start".into(),
        ));
    }
    let estimate = length.unwrap_or(content_end + graph.max_tail.min(auto_cap));

    // The loop.
    let mut master_chain = master;
    let master_gain = stemkit_core::units::db_to_gain(session.master.gain_db) as f32;
    let mut mix_buf = AudioBuffer::new(2, block);
    let mut t0: u64 = 0;
    let mut quiet_run: u64 = 0;
    let mut null = NullAcc::default();
    let mut wet_null = NullAcc::default();
    loop {
        let n = block;
        graph.process(t0, n)?;
        for (s, &c) in stem_comp.iter().enumerate() {
            comps[c].take(graph.stem_output(s));
        }
        for (ret, rc) in graph.returns.iter().zip(&ret_comps) {
            if let (Some(g), Some(c)) = (&ret.global, rc.global) {
                comps[c].take(&g.input);
            }
            for ((_, inst), &c) in ret.shares.iter().zip(&rc.shares) {
                comps[c].take(&inst.input);
            }
        }
        if let (Some(chain), Some(c)) = (&mut master_chain, master_comp) {
            mix_buf.set_frames(n);
            mix_buf.clear();
            for &p in &mix_parts {
                mix_buf.add_from(&comps[p].aligned, 1.0);
            }
            chain.process(&mut mix_buf, &[]);
            if master_gain != 1.0 {
                for ch in mix_buf.channels_mut() {
                    ch.iter_mut().for_each(|x| *x *= master_gain);
                }
            }
            comps[c].take(&mix_buf);
        }

        // Automatic tail: stop once every bus has been quiet for the hold time.
        let file_end = (t0 + n as u64).saturating_sub(common64);
        if length.is_none() && file_end > content_end {
            let loud = mix_parts.iter().any(|&p| comps[p].aligned.peak() >= QUIET);
            quiet_run = if loud { 0 } else { quiet_run + n as u64 };
            if quiet_run >= hold || file_end >= content_end + auto_cap.min(graph.max_tail.max(hold))
            {
                length = Some(file_end.max(content_end));
            }
        }
        let len_now = length.unwrap_or(u64::MAX);
        for f in &mut files {
            f.write_block(&comps, t0, n, len_now)?;
        }
        // Null tests from the very samples written.
        let count = files[mix_file].block_count(t0, n, len_now);
        if count > 0 {
            let set = if dry { &dry_files } else { &wet_files };
            null.add(&files, mix_file, set, count, out.bit_depth.is_integer());
            if dry && wet {
                wet_null.add(
                    &files,
                    mix_file,
                    &wet_files,
                    count,
                    out.bit_depth.is_integer(),
                );
            }
        }
        t0 += n as u64;
        progress(
            t0.saturating_sub(common64).min(len_now),
            length.unwrap_or(estimate),
        );
        if let Some(len) = length {
            if files.iter().all(|f| f.done(len)) {
                break;
            }
        }
    }
    let frames = length.unwrap_or(0);

    let mut null_tests = Vec::new();
    if dry {
        null_tests.push(null.result(Variant::Dry, out.bit_depth));
    }
    if wet {
        let acc = if dry { &wet_null } else { &null };
        null_tests.push(acc.result(Variant::Wet, out.bit_depth));
    }
    let mut printed = Vec::with_capacity(files.len());
    for f in files {
        let p = f.finish(&comps)?;
        if p.clipped > 0 {
            warnings.push(format!(
                "{} \"{}\": {} samples clipped",
                role_word(p.role),
                p.name,
                p.clipped
            ));
        }
        printed.push(p);
    }
    Ok(Render {
        files: printed,
        null_tests,
        warnings,
        frames,
        sample_rate: sr,
        compensated_latency: common,
    })
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
}

impl Namer<'_> {
    fn path(&self, name: &str, variant: Option<Variant>, both: bool) -> PathBuf {
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
        if both && variant == Some(Variant::Wet) && !self.template.has_variant() {
            base.push_str("_wet");
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
    ) -> stemkit_io::WavMetadata {
        let set = &self.session.settings;
        let what = match (role, variant) {
            (Role::Stem, Some(v)) => format!("stem {name} ({})", v.as_str()),
            (Role::Stem, None) => format!("stem {name}"),
            (Role::Return, _) => format!("return {name}"),
            (Role::Mix, _) => format!("mix {name} (pre-master)"),
            (Role::Master, _) => format!("mix {name} (mastered)"),
        };
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
#[derive(Default)]
struct NullAcc {
    peak: f64,
}

impl NullAcc {
    fn add(&mut self, files: &[OutFile], mix: usize, set: &[usize], count: usize, integer: bool) {
        for c in 0..2 {
            if integer {
                let m = files[mix].last_int(c, count);
                for i in 0..count {
                    let sum: i64 = set
                        .iter()
                        .map(|&f| i64::from(files[f].last_int(c, count)[i]))
                        .sum();
                    self.peak = self.peak.max((i64::from(m[i]) - sum).unsigned_abs() as f64);
                }
            } else {
                let m = files[mix].last_float(c, count);
                for i in 0..count {
                    let sum: f64 = set
                        .iter()
                        .map(|&f| f64::from(files[f].last_float(c, count)[i]))
                        .sum();
                    self.peak = self.peak.max((f64::from(m[i]) - sum).abs());
                }
            }
        }
    }

    fn result(&self, variant: Variant, bits: stemkit_session::BitDepth) -> NullTest {
        let scale = if bits.is_integer() {
            f64::from(1_u32 << (bits.bits() - 1))
        } else {
            1.0
        };
        NullTest {
            variant,
            residual_peak_dbfs: (self.peak > 0.0).then(|| 20.0 * (self.peak / scale).log10()),
            bit_exact: self.peak == 0.0 && bits.is_integer(),
        }
    }
}
