//! The DAW's mixer as a stemkit session.
//!
//! - Each placement of audio becomes a `[[track]]` with the channel's fader, pan, mute,
//!   solo, devices and sends.
//! - A track's output is followed along `destination` (or, without one, up the track
//!   tree to the enclosing group): the first group it reaches is its stem. Groups further
//!   out have no bus of their own in stemkit, so their faders are folded into the stem's
//!   gain and their linear devices (EQ, gain) appended to its chain, which is exact; their
//!   dynamics cannot be shared out and are left out with a warning. A track that reaches
//!   the master directly is its own stem.
//! - Effect channels fed by sends become returns; the master channel becomes `[master]`.
//! - A DAW fader comes after the channel's devices; stemkit's track gain comes before its
//!   inserts. With only linear inserts that is the same thing; otherwise the fader becomes
//!   a `gain` insert at the end of the chain. A pre-fader track send becomes a post-fader
//!   one with the fader divided out of its level, which is exact for the same reason.
//!
//! stemkit's sends from a track take its panned output; a send's own pan is not
//! rendered (and is warned about when off centre).

use std::collections::HashMap;

use crate::ErrorKind;
use crate::archive::normalize;
use crate::devices;
use crate::model::{Device, Project, Role, SendDef};
use crate::names::{self, Unique};
use crate::plan::{BusPlan, Insert, Location, Plan, SendPlan, Source, TrackPlan};
use crate::timeline::Placement;
use crate::xml::Doc;

/// stemkit's gain range for tracks and buses, dB.
const MIN_DB: f64 = -144.0;
const MAX_DB: f64 = 24.0;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum StemKey {
    /// The group channel the tracks reach first.
    Group(usize),
    /// A track that goes straight to the master.
    Lone(usize),
}

pub(crate) struct Mapper<'p, 'a> {
    p: &'p Project<'a>,
    doc: Doc<'p>,
    warnings: Vec<String>,
    sample_rate: f64,
    bus_names: Unique,
    stems: Vec<BusPlan>,
    stem_of: HashMap<StemKey, usize>,
    returns: Vec<BusPlan>,
    return_of: HashMap<usize, usize>,
}

/// The identity of a project: its name and where it came from (for the header comment).
pub(crate) struct Naming {
    pub(crate) name: String,
    pub(crate) origin: String,
}

/// Maps `project` and its placements onto a session plan. `has_entry` says whether the
/// archive holds an entry, so a reference to missing audio fails here, before anything
/// is written.
pub(crate) fn build(
    project: &Project<'_>,
    placements: &[Placement<'_>],
    mut warnings: Vec<String>,
    doc: Doc<'_>,
    naming: Naming,
    has_entry: &dyn Fn(&str) -> bool,
) -> Result<Plan, ErrorKind> {
    if placements.is_empty() {
        return Err(ErrorKind::Unsupported(
            "the arrangement holds no audio clips: there is nothing to import".to_owned(),
        ));
    }
    let (sources, source_of) = sources(project, placements, doc, has_entry)?;
    let sample_rate = common_rate(&sources);
    warnings.extend(project.warnings.iter().cloned());
    if project.scenes > 0 {
        warnings.push(format!(
            "the project has {} launcher scene(s): only the arrangement is rendered",
            project.scenes
        ));
    }
    let mut m = Mapper {
        p: project,
        doc,
        warnings,
        sample_rate: f64::from(sample_rate),
        bus_names: Unique::default(),
        stems: Vec::new(),
        stem_of: HashMap::new(),
        returns: Vec::new(),
        return_of: HashMap::new(),
    };
    m.bus_names.reserve("Mix");

    // Tracks, in the order of the structure, each track's placements in time order.
    let mut by_track: Vec<Vec<usize>> = vec![Vec::new(); project.tracks.len()];
    for (i, pl) in placements.iter().enumerate() {
        by_track[pl.track].push(i);
    }
    let mut track_names = Unique::default();
    let mut tracks = Vec::new();
    for (ti, list) in by_track.iter_mut().enumerate() {
        if list.is_empty() {
            continue;
        }
        list.sort_by(|&a, &b| placements[a].at.total_cmp(&placements[b].at));
        let base = m.track_template(ti)?;
        let name = names::track(&project.tracks[ti].name);
        for (k, &pi) in list.iter().enumerate() {
            let pl = &placements[pi];
            let mut t = base.clone();
            let wanted = if list.len() == 1 {
                name.clone()
            } else {
                format!("{name} {}", k + 1)
            };
            t.name = track_names.take(&wanted, false);
            t.source = source_of[pi];
            t.at = pl.at;
            t.offset = pl.offset;
            t.length = pl.length;
            if let Some(clip) = &pl.clip {
                t.comments.insert(0, format!("{clip} of track \"{name}\""));
            }
            tracks.push(t);
        }
    }
    let master = m.master()?;
    Ok(Plan {
        name: naming.name,
        origin: naming.origin,
        bpm: project.tempo,
        time_signature: project.time_signature,
        sample_rate,
        sources,
        tracks,
        stems: m.stems,
        returns: m.returns,
        master,
        warnings: m.warnings,
    })
}

/// The audio files the placements need (one per distinct reference) and, per
/// placement, its file's index.
fn sources(
    project: &Project<'_>,
    placements: &[Placement<'_>],
    doc: Doc<'_>,
    has_entry: &dyn Fn(&str) -> bool,
) -> Result<(Vec<Source>, Vec<usize>), ErrorKind> {
    let mut sources: Vec<Source> = Vec::new();
    let mut files = Unique::default();
    let mut of = Vec::with_capacity(placements.len());
    for pl in placements {
        let file = pl
            .audio
            .child("File")
            .ok_or_else(|| doc.error(pl.audio, "the required <File> is missing"))?;
        let path = file
            .attr("path")
            .ok_or_else(|| doc.error(file, "the required attribute path is missing"))?;
        let location = if doc.bool(file, "external")? == Some(true) {
            Location::External(path.to_owned())
        } else {
            let entry = normalize(path);
            if !has_entry(&entry) {
                return Err(ErrorKind::MissingAudio {
                    context: format!(
                        "project.xml line {}, track \"{}\"",
                        file.line, project.tracks[pl.track].name
                    ),
                    reference: path.to_owned(),
                    problem: "not in the archive",
                });
            }
            Location::Entry(entry)
        };
        let index = match sources.iter().position(|s| s.location == location) {
            Some(i) => i,
            None => {
                sources.push(Source {
                    file: format!("audio/{}", files.take(&names::audio_file(path), true)),
                    location,
                    sample_rate: doc.u32(pl.audio, "sampleRate")?,
                });
                sources.len() - 1
            }
        };
        of.push(index);
    }
    Ok((sources, of))
}

/// The rate most of the sources have (the higher on a tie); 48 kHz when none says.
pub(crate) fn common_rate(sources: &[Source]) -> u32 {
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for r in sources.iter().filter_map(|s| s.sample_rate) {
        *counts.entry(r).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(rate, n)| (n, rate))
        .map_or(48_000, |(rate, _)| rate)
}

fn clamp_bus_db(db: f64) -> f64 {
    db.max(MIN_DB)
}

impl Mapper<'_, '_> {
    fn warn(&mut self, message: String) {
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    fn channel_word(&self, ch: usize) -> String {
        let c = &self.p.channels[ch];
        let word = match c.role {
            Role::Submix | Role::Vca => "group",
            Role::Effect => "return",
            Role::Master => "master",
            Role::Regular => "track",
        };
        format!("{word} \"{}\"", c.name)
    }

    /// Where channel `ch` sends its output: `None` is the master.
    fn destination(&self, ch: usize) -> Result<Option<usize>, ErrorKind> {
        let c = &self.p.channels[ch];
        if let Some(id) = c.destination {
            let d = self.p.channel_by_id(id).ok_or_else(|| {
                self.doc
                    .error(c.el, format!("destination=\"{id}\" names no <Channel>"))
            })?;
            return Ok((self.p.channels[d].role != Role::Master).then_some(d));
        }
        let mut t = c.track.and_then(|t| self.p.tracks[t].parent);
        while let Some(pt) = t {
            if let Some(pc) = self.p.tracks[pt].channel {
                return Ok((self.p.channels[pc].role != Role::Master).then_some(pc));
            }
            t = self.p.tracks[pt].parent;
        }
        Ok(None)
    }

    /// The buses `ch` passes through on its way to the master, innermost first.
    fn route(&self, ch: usize) -> Result<Vec<usize>, ErrorKind> {
        let mut buses = Vec::new();
        let mut at = ch;
        while let Some(next) = self.destination(at)? {
            if next == ch || buses.contains(&next) {
                return Err(ErrorKind::Unsupported(format!(
                    "project.xml line {}: the routing of {} runs in a loop",
                    self.p.channels[ch].el.line,
                    self.channel_word(ch)
                )));
            }
            if self.p.channels[next].role == Role::Effect {
                return Err(ErrorKind::Unsupported(format!(
                    "project.xml line {}: {} outputs into {}; stemkit feeds returns only through sends",
                    self.p.channels[at].el.line,
                    self.channel_word(at),
                    self.channel_word(next)
                )));
            }
            buses.push(next);
            at = next;
        }
        Ok(buses)
    }

    /// The devices of a channel as inserts; what cannot come along is warned about and
    /// noted in `comments`.
    fn inserts(
        &mut self,
        devices: &[Device<'_>],
        owner: &str,
        comments: &mut Vec<String>,
    ) -> Result<Vec<Insert>, ErrorKind> {
        let mut out = Vec::new();
        for d in devices {
            if !d.enabled {
                comments.push(format!("{} is bypassed in the DAW: left out", d.title()));
                continue;
            }
            match devices::map(self.doc, d, self.sample_rate)? {
                Ok(inserts) => out.extend(inserts),
                Err(reason) => {
                    let m = format!(
                        "{owner}: {} cannot be rendered ({reason}): left out",
                        d.title()
                    );
                    comments.push(format!("not rendered: {} ({reason})", d.title()));
                    self.warn(m);
                }
            }
        }
        Ok(out)
    }

    fn check_db(&self, owner: &str, db: f64) -> Result<(), ErrorKind> {
        if db > MAX_DB {
            return Err(ErrorKind::Unsupported(format!(
                "{owner}: a level of {db:.2} dB is above stemkit's +{MAX_DB} dB"
            )));
        }
        Ok(())
    }

    /// The return an effect channel becomes (made on first use).
    fn return_for(&mut self, ch: usize) -> Result<String, ErrorKind> {
        if let Some(&r) = self.return_of.get(&ch) {
            return Ok(self.returns[r].name.clone());
        }
        let c = &self.p.channels[ch];
        let owner = self.channel_word(ch);
        self.check_db(&owner, c.volume_db)?;
        let mut comments = vec![format!("effect channel \"{}\"", c.name)];
        let inserts = self.inserts(&c.devices, &owner, &mut comments)?;
        if c.pan != 0.0 {
            self.warn(format!(
                "{owner}: its pan is not rendered (returns have no pan)"
            ));
        }
        if c.sends.iter().any(|s| s.enabled) {
            self.warn(format!("{owner}: sends from a return are not rendered"));
        }
        if self.destination(ch)?.is_some() {
            self.warn(format!(
                "{owner}: it outputs into another channel; rendered into the mix"
            ));
        }
        let name = self.bus_names.take(&names::bus(&c.name, "Return"), false);
        self.returns.push(BusPlan {
            name: name.clone(),
            channels: c.audio_channels.unwrap_or(2).clamp(1, 2),
            gain_db: clamp_bus_db(c.volume_db),
            mute: c.mute,
            inserts,
            sends: Vec::new(),
            comments,
        });
        self.return_of.insert(ch, self.returns.len() - 1);
        Ok(name)
    }

    /// `send` as a session send, `None` when it plays nothing or leads nowhere stemkit
    /// can follow. `tap_correction_db` is the gain stemkit's tap point has that the DAW's
    /// does not (a fader the DAW taps before), divided out of the level.
    fn send(
        &mut self,
        send: &SendDef<'_>,
        owner: &str,
        tap_correction_db: f64,
    ) -> Result<Option<SendPlan>, ErrorKind> {
        if !send.enabled || send.level_db == f64::NEG_INFINITY {
            return Ok(None);
        }
        let Some(id) = send.destination else {
            return Ok(None);
        };
        let dest = self.p.channel_by_id(id).ok_or_else(|| {
            self.doc
                .error(send.el, format!("destination=\"{id}\" names no <Channel>"))
        })?;
        if self.p.channels[dest].role != Role::Effect {
            let m = format!(
                "{owner}: its send to {} is not rendered (stemkit sends feed returns only)",
                self.channel_word(dest)
            );
            self.warn(m);
            return Ok(None);
        }
        if send.pan != 0.0 {
            self.warn(format!("{owner}: the pan of its send is not rendered"));
        }
        let to = self.return_for(dest)?;
        let mut level_db = send.level_db - tap_correction_db;
        if !(MIN_DB..=MAX_DB).contains(&level_db) {
            let clamped = level_db.clamp(MIN_DB, MAX_DB);
            self.warn(format!(
                "{owner}: its send to \"{to}\" needs {level_db:.2} dB, clamped to {clamped} dB"
            ));
            level_db = clamped;
        }
        Ok(Some(SendPlan {
            to,
            level_db,
            pre_fader: false,
        }))
    }

    /// A track's settings without its placement (name, file and times are filled in per
    /// clip).
    fn track_template(&mut self, ti: usize) -> Result<TrackPlan, ErrorKind> {
        let track = &self.p.tracks[ti];
        let owner = format!("track \"{}\"", track.name);
        let Some(ch) = track.channel else {
            let stem = self.lone_stem(ti, None)?;
            return Ok(TrackPlan {
                stem,
                ..TrackPlan::default()
            });
        };
        let c = &self.p.channels[ch];
        if c.role != Role::Regular {
            return Err(ErrorKind::Unsupported(format!(
                "project.xml line {}: {} holds audio clips; stemkit reads audio from regular tracks",
                track.el.line,
                self.channel_word(ch)
            )));
        }
        self.check_db(&owner, c.volume_db)?;
        let route = self.route(ch)?;
        let stem = match route.first() {
            Some(&group) => self.group_stem(group, &route[1..])?,
            None => self.lone_stem(ti, Some(ch))?,
        };
        let mut comments = Vec::new();
        let mut inserts = self.inserts(&c.devices, &owner, &mut comments)?;
        let fader = c.volume_db;
        let mut t = TrackPlan {
            stem,
            // 2 × 0.65 - 1 is 0.30000000000000004: 1e-12 is far below any audible pan.
            pan: (c.pan * 1e12).round() / 1e12,
            mute: c.mute,
            solo: c.solo || route.iter().any(|&b| self.p.channels[b].solo),
            comments,
            ..TrackPlan::default()
        };
        if fader == f64::NEG_INFINITY {
            t.mute = true;
            t.comments.push("its fader is at -inf: muted".to_owned());
        } else if inserts.iter().all(Insert::is_linear) {
            t.gain_db = fader;
        } else if fader != 0.0 {
            if fader < -96.0 {
                t.mute = true;
                t.comments
                    .push(format!("its fader is at {fader:.1} dB: muted"));
            } else {
                inserts.push(Insert::Gain { gain_db: fader });
            }
        }
        t.inserts = inserts;
        for send in &c.sends {
            // stemkit taps track sends after the fader; a pre-fader level is divided by it.
            let correction = if send.pre_fader && fader.is_finite() {
                fader
            } else {
                0.0
            };
            if send.pre_fader && fader == f64::NEG_INFINITY {
                let m =
                    format!("{owner}: its pre-fader send is not rendered (the fader is at -inf)");
                self.warn(m);
                continue;
            }
            if let Some(s) = self.send(send, &owner, correction)? {
                t.sends.push(s);
            }
        }
        Ok(t)
    }

    /// The stem of a track that reaches the master on its own.
    fn lone_stem(&mut self, ti: usize, ch: Option<usize>) -> Result<String, ErrorKind> {
        if let Some(&s) = self.stem_of.get(&StemKey::Lone(ti)) {
            return Ok(self.stems[s].name.clone());
        }
        let track = &self.p.tracks[ti];
        // A mono channel prints a mono stem, unless it is panned.
        let channels = match ch.map(|c| &self.p.channels[c]) {
            Some(c) if c.audio_channels == Some(1) && c.pan == 0.0 => 1,
            _ => 2,
        };
        let name = self.bus_names.take(&names::bus(&track.name, "Stem"), false);
        self.stems.push(BusPlan {
            name: name.clone(),
            channels,
            comments: vec![format!("track \"{}\", routed to the master", track.name)],
            ..BusPlan::default()
        });
        self.stem_of.insert(StemKey::Lone(ti), self.stems.len() - 1);
        Ok(name)
    }

    /// The stem of group channel `group`, with the groups `outer` it feeds folded in.
    fn group_stem(&mut self, group: usize, outer: &[usize]) -> Result<String, ErrorKind> {
        if let Some(&s) = self.stem_of.get(&StemKey::Group(group)) {
            return Ok(self.stems[s].name.clone());
        }
        let c = &self.p.channels[group];
        let owner = self.channel_word(group);
        let mut comments = vec![format!("group channel \"{}\"", c.name)];
        let mut inserts = self.inserts(&c.devices, &owner, &mut comments)?;
        let mut gain_db = c.volume_db;
        let mut mute = c.mute;
        if c.pan != 0.0 {
            self.warn(format!(
                "{owner}: its pan is not rendered (stems have no pan)"
            ));
        }
        let mut outer_db = 0.0;
        for &o in outer {
            let oc = &self.p.channels[o];
            let oname = self.channel_word(o);
            comments.push(format!("then through {oname}"));
            gain_db += oc.volume_db;
            outer_db += oc.volume_db;
            mute |= oc.mute;
            let mut notes = Vec::new();
            let more = self.inserts(&oc.devices, &oname, &mut notes)?;
            let (linear, dynamic): (Vec<Insert>, Vec<Insert>) =
                more.into_iter().partition(Insert::is_linear);
            if !dynamic.is_empty() {
                self.warn(format!(
                    "{oname}: its dynamics cannot be shared out over the stems it holds: left out"
                ));
            }
            inserts.extend(linear);
            comments.extend(notes);
            if oc.pan != 0.0 {
                self.warn(format!(
                    "{oname}: its pan is not rendered (stems have no pan)"
                ));
            }
            if oc.sends.iter().any(|s| s.enabled) {
                self.warn(format!(
                    "{oname}: its sends are not rendered (it has no stem of its own)"
                ));
            }
        }
        self.check_db(&owner, gain_db)?;
        let mut sends = Vec::new();
        for send in &c.sends {
            // A post-fader send in the DAW taps before the outer groups' faders, which
            // stemkit's stem gain includes.
            let correction = if send.pre_fader { 0.0 } else { outer_db };
            if let Some(mut s) = self.send(send, &owner, correction)? {
                s.pre_fader = send.pre_fader;
                sends.push(s);
            }
        }
        if !sends.is_empty()
            && outer
                .iter()
                .any(|&o| !self.p.channels[o].devices.is_empty())
        {
            self.warn(format!(
                "{owner}: its sends are taken after the devices of the groups it feeds"
            ));
        }
        let name = self.bus_names.take(&names::bus(&c.name, "Stem"), false);
        self.stems.push(BusPlan {
            name: name.clone(),
            channels: c.audio_channels.unwrap_or(2).clamp(1, 2),
            gain_db: clamp_bus_db(gain_db),
            mute,
            inserts,
            sends,
            comments,
        });
        self.stem_of
            .insert(StemKey::Group(group), self.stems.len() - 1);
        Ok(name)
    }

    fn master(&mut self) -> Result<BusPlan, ErrorKind> {
        let Some(ch) = self.p.channels.iter().position(|c| c.role == Role::Master) else {
            return Ok(BusPlan::default());
        };
        let c = &self.p.channels[ch];
        let owner = "the master".to_owned();
        self.check_db(&owner, c.volume_db)?;
        let mut comments = Vec::new();
        let inserts = self.inserts(&c.devices, &owner, &mut comments)?;
        if c.mute {
            self.warn("the master is muted in the DAW; stemkit prints regardless".to_owned());
        }
        if c.pan != 0.0 {
            self.warn("the master's pan is not rendered".to_owned());
        }
        if !inserts.is_empty() || c.volume_db != 0.0 {
            comments.insert(
                0,
                "the master channel: stems and the mix are printed before it".to_owned(),
            );
        }
        Ok(BusPlan {
            gain_db: clamp_bus_db(c.volume_db),
            inserts,
            comments,
            ..BusPlan::default()
        })
    }
}
