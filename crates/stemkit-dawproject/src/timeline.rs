//! Where each piece of audio plays: the arrangement's nested timelines resolved into
//! placements on the session timeline (seconds from bar 1), each a stretch of one file.
//!
//! Every timeline is walked with the affine map from its own coordinates to session
//! seconds (`origin` plus its coordinate in seconds, beats converted at the one project
//! tempo) and the window of session time its enclosing clips let through. A clip moves
//! its content so that `playStart` sits at the clip's `time`, and narrows the window to
//! `[time, time + duration)` (and to `playStop`); nested clips compose, so the three layouts
//! real exports use (`Clip > Audio`, `Clip > Warps > Audio`, `Clip > Clips > Clip > Warps >
//! Audio`) all come out of one rule. Warps are accepted when they only shift the audio
//! (every warp point on the line of the project tempo): a stretched clip would play at
//! another speed, which stemkit does not do, so it is refused rather than misplaced.

use crate::ErrorKind;
use crate::model::Project;
use crate::xml::{Doc, Element};

/// Deeper clip nesting than any DAW writes; also stops reference loops.
const MAX_DEPTH: usize = 64;
/// Loop repetitions of all clips together; each becomes a track of the session.
const MAX_SEGMENTS: usize = 10_000;
/// Seconds below which two times are the same instant (far below a sample period).
const EPS: f64 = 1e-9;
/// The session format's limit on track times, seconds.
const MAX_SECONDS: f64 = 86_400.0;
/// Largest deviation of a warp point from the tempo line still taken as unstretched:
/// a twentieth of a sample at 48 kHz.
const WARP_TOLERANCE: f64 = 1e-6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Beats,
    Seconds,
}

/// One stretch of one audio file on the session timeline.
#[derive(Clone, Debug)]
pub(crate) struct Placement<'a> {
    /// Index of the project track whose lanes hold it.
    pub(crate) track: usize,
    /// The clip as messages name it: `clip "Verse"`, `the clip at 8 beats`.
    pub(crate) clip: Option<String>,
    pub(crate) audio: &'a Element,
    /// Session seconds where it starts.
    pub(crate) at: f64,
    /// Seconds into the file where it starts.
    pub(crate) offset: f64,
    /// Seconds it plays; `None`: to the end of the file.
    pub(crate) length: Option<f64>,
}

#[derive(Clone)]
struct Scope {
    unit: Unit,
    /// Session seconds of this timeline's coordinate 0.
    origin: f64,
    from: f64,
    to: f64,
    track: Option<usize>,
    clip: Option<String>,
    depth: usize,
}

struct Walker<'p, 'a> {
    project: &'p Project<'a>,
    doc: Doc<'p>,
    out: Vec<Placement<'a>>,
    warnings: Vec<String>,
    segments: usize,
}

/// Resolves the arrangement into placements, with warnings for what plays in the DAW
/// but not here (fades, automation, notes).
pub(crate) fn place<'a>(
    project: &Project<'a>,
    doc: Doc<'_>,
) -> Result<(Vec<Placement<'a>>, Vec<String>), ErrorKind> {
    let mut w = Walker {
        project,
        doc,
        out: Vec::new(),
        warnings: Vec::new(),
        segments: 0,
    };
    if let Some(lanes) = project.arrangement {
        let scope = Scope {
            unit: Unit::Beats,
            origin: 0.0,
            from: f64::NEG_INFINITY,
            to: f64::INFINITY,
            track: None,
            clip: None,
            depth: 0,
        };
        w.visit(lanes, &scope)?;
    }
    Ok((w.out, w.warnings))
}

impl<'a> Walker<'_, 'a> {
    fn warn(&mut self, message: String) {
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    fn track_name(&self, scope: &Scope) -> String {
        scope.track.map_or_else(
            || "the arrangement".to_owned(),
            |t| format!("track \"{}\"", self.project.tracks[t].name),
        )
    }

    fn clip_name(scope: &Scope) -> String {
        scope
            .clip
            .as_ref()
            .map_or_else(String::new, |c| format!("{c} on "))
    }

    fn seconds(&self, value: f64, unit: Unit, el: &Element) -> Result<f64, ErrorKind> {
        match unit {
            Unit::Seconds => Ok(value),
            Unit::Beats => match self.project.tempo {
                Some(bpm) => Ok(value * 60.0 / bpm),
                None => Err(self.doc.error(
                    el,
                    "times are in beats but the project's <Transport> gives no <Tempo>",
                )),
            },
        }
    }

    fn unit_attr(&self, el: &Element, key: &str) -> Result<Option<Unit>, ErrorKind> {
        Ok(match self.doc.choice(el, key, &["beats", "seconds"])? {
            Some("beats") => Some(Unit::Beats),
            Some(_) => Some(Unit::Seconds),
            None => None,
        })
    }

    /// The scope of a timeline element's own content: its `timeUnit` and `track`.
    fn enter(&self, el: &Element, scope: &Scope) -> Result<Scope, ErrorKind> {
        let mut s = scope.clone();
        if let Some(u) = self.unit_attr(el, "timeUnit")? {
            s.unit = u;
        }
        if let Some(id) = el.attr("track") {
            s.track = Some(self.project.track_by_ref(id).ok_or_else(|| {
                self.doc.error(
                    el,
                    format!("track=\"{id}\" names no track of the <Structure>"),
                )
            })?);
        }
        Ok(s)
    }

    fn visit(&mut self, el: &'a Element, scope: &Scope) -> Result<(), ErrorKind> {
        match el.name.as_str() {
            "Lanes" => {
                let s = self.enter(el, scope)?;
                for c in &el.children {
                    self.visit(c, &s)?;
                }
            }
            "Clips" => {
                let s = self.enter(el, scope)?;
                for c in &el.children {
                    if c.name != "Clip" {
                        return Err(self.doc.error(c, "only <Clip> belongs in <Clips>"));
                    }
                    self.clip(c, &s)?;
                }
            }
            "Clip" => self.clip(el, scope)?,
            "Warps" => self.warps(el, scope)?,
            "Audio" => self.audio(el, scope)?,
            "Notes" => {
                let m = format!(
                    "{} holds notes (an instrument): not rendered; bounce it to audio in the DAW to include it",
                    self.track_name(scope)
                );
                self.warn(m);
            }
            "Points" => {
                let m = format!(
                    "{} has automation: not rendered, the static values are used",
                    self.track_name(scope)
                );
                self.warn(m);
            }
            "Video" => {
                let m = format!("{} holds video: ignored", self.track_name(scope));
                self.warn(m);
            }
            "ClipSlot" => {
                let m = format!(
                    "{} has launcher clip slots: only the arrangement is rendered",
                    self.track_name(scope)
                );
                self.warn(m);
            }
            "Markers" | "markers" | "Marker" | "Timeline" => {}
            _ => {
                return Err(self
                    .doc
                    .error(el, "not a timeline element of DAWproject 1.0"));
            }
        }
        Ok(())
    }

    fn clip(&mut self, el: &'a Element, scope: &Scope) -> Result<(), ErrorKind> {
        let doc = self.doc;
        if doc.bool(el, "enable")? == Some(false) {
            return Ok(());
        }
        if scope.depth >= MAX_DEPTH {
            return Err(doc.error(
                el,
                "clips nest too deep (or reference each other in a loop)",
            ));
        }
        let content: &'a Element = match el.attr("reference") {
            Some(id) => self
                .project
                .ids
                .get(id)
                .copied()
                .ok_or_else(|| doc.error(el, format!("reference=\"{id}\" names no element")))?,
            None => match el.children.first() {
                Some(c) if el.children.len() == 1 => c,
                Some(_) => return Err(doc.error(el, "a clip holds exactly one timeline")),
                None => return Ok(()),
            },
        };
        let time = doc.req_f64(el, "time")?;
        let duration = doc.f64(el, "duration")?;
        if duration.is_some_and(|d| d < 0.0) {
            return Err(doc.error(el, "the duration is negative"));
        }
        let content_unit = match self.unit_attr(el, "contentTimeUnit")? {
            Some(u) => u,
            None => match self.unit_attr(content, "timeUnit")? {
                Some(u) => u,
                // Plain audio is timed in seconds; anything else inherits.
                None if content.name == "Audio" => Unit::Seconds,
                None => scope.unit,
            },
        };
        let play_start = doc.f64(el, "playStart")?.unwrap_or(0.0);
        let label = el.attr("name").map_or_else(
            || format!("the clip at {time} {}", unit_name(scope.unit)),
            |n| format!("clip \"{n}\""),
        );
        let mut inner = scope.clone();
        inner.clip = Some(label);
        inner.depth += 1;
        inner.unit = content_unit;
        for key in ["fadeInTime", "fadeOutTime"] {
            if doc.f64(el, key)?.is_some_and(|f| f.abs() > EPS) {
                let m = format!(
                    "{}{}: fades are not rendered",
                    Self::clip_name(&inner),
                    self.track_name(scope)
                );
                self.warn(m);
            }
        }

        let start = scope.origin + self.seconds(time, scope.unit, el)?;
        let mut end = match duration {
            Some(d) => start + self.seconds(d, scope.unit, el)?,
            None => f64::INFINITY,
        };
        if let Some(stop) = doc.f64(el, "playStop")? {
            end = end.min(start + self.seconds(stop - play_start, content_unit, el)?);
        }
        let from = scope.from.max(start);
        let to = scope.to.min(end);
        if to - from <= EPS {
            return Ok(());
        }
        let play_s = self.seconds(play_start, content_unit, el)?;
        let looped = match (doc.f64(el, "loopStart")?, doc.f64(el, "loopEnd")?) {
            (Some(ls), Some(le)) if le > ls && end.is_finite() => {
                let (ls, le) = (
                    self.seconds(ls, content_unit, el)?,
                    self.seconds(le, content_unit, el)?,
                );
                // A loop around everything the clip plays never wraps.
                let spans = ls <= play_s + EPS && le >= play_s + (end - start) - EPS;
                (!spans && le - ls > EPS).then_some((ls, le))
            }
            _ => None,
        };
        let Some((loop_start, loop_end)) = looped else {
            inner.origin = start - play_s;
            inner.from = from;
            inner.to = to;
            return self.visit(content, &inner);
        };
        // Each pass of the loop is the content placed again, one loop length later.
        let mut seg_start = start;
        let mut pos = play_s;
        let mut pos_end = if play_s < loop_end {
            loop_end
        } else {
            f64::INFINITY
        };
        while seg_start < end - EPS {
            self.segments += 1;
            if self.segments > MAX_SEGMENTS {
                return Err(doc.error(
                    el,
                    format!("the clips loop more than {MAX_SEGMENTS} times in all"),
                ));
            }
            let seg_end = end.min(seg_start + (pos_end - pos));
            inner.origin = seg_start - pos;
            inner.from = from.max(seg_start);
            inner.to = to.min(seg_end);
            if inner.to - inner.from > EPS {
                self.visit(content, &inner)?;
            }
            seg_start = seg_end;
            pos = loop_start;
            pos_end = loop_end;
        }
        Ok(())
    }

    fn warps(&mut self, el: &'a Element, scope: &Scope) -> Result<(), ErrorKind> {
        let doc = self.doc;
        let s = self.enter(el, scope)?;
        let content_unit = self
            .unit_attr(el, "contentTimeUnit")?
            .ok_or_else(|| doc.error(el, "the required attribute contentTimeUnit is missing"))?;
        let mut content = None;
        let mut points = Vec::new();
        for c in &el.children {
            if c.name == "Warp" {
                points.push((doc.req_f64(c, "time")?, doc.req_f64(c, "contentTime")?, c));
            } else if content.replace(c).is_some() {
                return Err(doc.error(el, "warps hold exactly one timeline"));
            }
        }
        let content = content.ok_or_else(|| doc.error(el, "warps hold no timeline"))?;
        let mut inner = s.clone();
        inner.unit = content_unit;
        if let Some(&(t0, c0, first)) = points.first() {
            let t0_s = self.seconds(t0, s.unit, first)?;
            let c0_s = self.seconds(c0, content_unit, first)?;
            for &(t, c, p) in &points[1..] {
                let timeline = self.seconds(t, s.unit, p)? - t0_s;
                let audio = self.seconds(c, content_unit, p)? - c0_s;
                if (timeline - audio).abs() > WARP_TOLERANCE {
                    return Err(ErrorKind::Unsupported(format!(
                        "project.xml line {}: {}{} is time-stretched (its warp markers fit {audio:.6} s of audio into {timeline:.6} s of the timeline); stemkit plays audio at its recorded speed: bounce the clip in the DAW and export again",
                        p.line,
                        Self::clip_name(scope),
                        self.track_name(scope),
                    )));
                }
            }
            inner.origin = s.origin + t0_s - c0_s;
        }
        self.visit(content, &inner)
    }

    fn audio(&mut self, el: &'a Element, scope: &Scope) -> Result<(), ErrorKind> {
        let doc = self.doc;
        let track = scope
            .track
            .ok_or_else(|| doc.error(el, "audio outside the lanes of any track"))?;
        if el.child("File").is_none() {
            return Err(doc.error(el, "the required <File> is missing"));
        }
        let duration = doc.f64(el, "duration")?.unwrap_or(f64::INFINITY);
        let at = scope.from.max(scope.origin);
        let end = scope.to.min(scope.origin + duration);
        if end - at <= EPS {
            return Ok(());
        }
        let offset = at - scope.origin;
        if at.abs() > MAX_SECONDS || offset > MAX_SECONDS {
            return Err(ErrorKind::Unsupported(format!(
                "project.xml line {}: {}{} plays {offset:.0} s into its file at {at:.0} s, beyond a session's 24 hours",
                el.line,
                Self::clip_name(scope),
                self.track_name(scope)
            )));
        }
        self.out.push(Placement {
            track,
            clip: scope.clip.clone(),
            audio: el,
            at,
            offset: if offset.abs() < EPS { 0.0 } else { offset },
            length: end.is_finite().then_some(end - at),
        });
        Ok(())
    }
}

fn unit_name(u: Unit) -> &'static str {
    match u {
        Unit::Beats => "beats",
        Unit::Seconds => "s",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    const DOC: Doc<'static> = Doc {
        entry: "project.xml",
    };

    fn project_xml(lanes: &str) -> String {
        format!(
            r#"<Project version="1.0"><Application name="t" version="1"/>
            <Transport><Tempo unit="bpm" value="120"/></Transport>
            <Structure><Track id="t1" name="A" contentType="audio"><Channel id="c1" role="regular"/></Track></Structure>
            <Arrangement><Lanes timeUnit="beats"><Lanes track="t1"><Clips>{lanes}</Clips></Lanes></Lanes></Arrangement>
            </Project>"#
        )
    }

    const AUDIO: &str =
        r#"<Audio channels="1" sampleRate="48000" duration="10"><File path="a.wav"/></Audio>"#;

    fn placements(lanes: &str) -> Result<Vec<(f64, f64, Option<f64>)>, ErrorKind> {
        let text = project_xml(lanes);
        let root = parse(&text, DOC).unwrap();
        let project = Project::read(&root, DOC).unwrap();
        let (p, _) = place(&project, DOC)?;
        Ok(p.iter().map(|p| (p.at, p.offset, p.length)).collect())
    }

    fn close(a: &[(f64, f64, Option<f64>)], b: &[(f64, f64, Option<f64>)]) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                (x.0 - y.0).abs() < 1e-12
                    && (x.1 - y.1).abs() < 1e-12
                    && match (x.2, y.2) {
                        (Some(p), Some(q)) => (p - q).abs() < 1e-12,
                        (None, None) => true,
                        _ => false,
                    }
            })
    }

    #[test]
    fn plain_audio_trims_in_seconds() {
        // Beat 2 at 120 bpm is 1 s; 4 beats play 2 s from 0.25 s into the file.
        let p = placements(&format!(
            r#"<Clip time="2" duration="4" playStart="0.25">{AUDIO}</Clip>"#
        ))
        .unwrap();
        assert!(close(&p, &[(1.0, 0.25, Some(2.0))]), "{p:?}");
    }

    #[test]
    fn warped_audio_trims_in_beats() {
        // Warp: beat 0 is 0.1 s into the file; playStart 1 beat = 0.5 s later.
        let p = placements(&format!(
            r#"<Clip time="4" duration="2" contentTimeUnit="beats" playStart="1">
               <Warps contentTimeUnit="seconds" timeUnit="beats">{AUDIO}
               <Warp time="0" contentTime="0.1"/><Warp time="8" contentTime="4.1"/></Warps></Clip>"#
        ))
        .unwrap();
        assert!(close(&p, &[(2.0, 0.6, Some(1.0))]), "{p:?}");
    }

    #[test]
    fn nested_clips_offset_by_outer_time_minus_play_start() {
        // Outer at beat 8 (4 s) with playStart 2 beats: inner time t lands at 4 + (t - 2)/2 s.
        // Inner at beat 3 → 4.5 s, trimmed 1 beat (0.5 s) into the warped audio; the
        // outer window ends at beat 8 + 4 = 6 s, so 1.5 s of the inner 2 s remain.
        let p = placements(&format!(
            r#"<Clip time="8" duration="4" playStart="2" contentTimeUnit="beats"><Clips>
                 <Clip time="3" duration="4" playStart="1" contentTimeUnit="beats">
                   <Warps contentTimeUnit="seconds">{AUDIO}<Warp time="0" contentTime="0"/><Warp time="2" contentTime="1"/></Warps>
                 </Clip></Clips></Clip>"#
        ))
        .unwrap();
        assert!(close(&p, &[(4.5, 0.5, Some(1.5))]), "{p:?}");
    }

    #[test]
    fn a_loop_around_the_whole_clip_is_no_loop_and_a_short_one_repeats() {
        let whole = placements(&format!(
            r#"<Clip time="0" duration="4" playStart="0" loopStart="0" loopEnd="2">{AUDIO}</Clip>"#
        ))
        .unwrap();
        assert!(close(&whole, &[(0.0, 0.0, Some(2.0))]), "{whole:?}");
        // Loop 0.5 .. 1.0 s of content from playStart 0.25 over 2 s of clip.
        let looped = placements(&format!(
            r#"<Clip time="0" duration="4" playStart="0.25" loopStart="0.5" loopEnd="1">{AUDIO}</Clip>"#
        ))
        .unwrap();
        assert!(
            close(
                &looped,
                &[
                    (0.0, 0.25, Some(0.75)),
                    (0.75, 0.5, Some(0.5)),
                    (1.25, 0.5, Some(0.5)),
                    (1.75, 0.5, Some(0.25)),
                ]
            ),
            "{looped:?}"
        );
    }

    #[test]
    fn stretched_warps_and_missing_tempo_are_refused() {
        let err = placements(&format!(
            r#"<Clip time="0" duration="4" contentTimeUnit="beats"><Warps contentTimeUnit="seconds">{AUDIO}
               <Warp time="0" contentTime="0"/><Warp time="4" contentTime="2.5"/></Warps></Clip>"#
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("time-stretched") && err.contains("track \"A\""),
            "{err}"
        );
        let text = project_xml(&format!(r#"<Clip time="0" duration="4">{AUDIO}</Clip>"#))
            .replace(r#"<Tempo unit="bpm" value="120"/>"#, "");
        let root = parse(&text, DOC).unwrap();
        let project = Project::read(&root, DOC).unwrap();
        assert!(matches!(place(&project, DOC), Err(ErrorKind::Xml { .. })));
    }

    #[test]
    fn audio_before_the_file_starts_is_silence_not_a_negative_offset() {
        // playStart -0.5 s: the file starts 0.5 s into the clip.
        let p = placements(&format!(
            r#"<Clip time="0" duration="4" playStart="-0.5">{AUDIO}</Clip>"#
        ))
        .unwrap();
        assert!(close(&p, &[(0.5, 0.0, Some(1.5))]), "{p:?}");
    }
}
