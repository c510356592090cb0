//! The song form: a 32nd-note grid at the session tempo and an arrangement of sections
//! scaled to the requested length.

/// 32nd notes per 4/4 bar: the finest grid any part plays on (the snare roll of a build).
pub(crate) const TICKS_PER_BAR: u32 = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    Intro,
    Verse,
    Build,
    Drop,
    Break,
    Outro,
}

use Section::{Break, Build, Drop, Intro, Outro, Verse};

/// Section weights of a short song: 2 bars per unit at 64 bars, so a one-minute song runs
/// intro 4, verse 8, build 4, drop 8, break 4, outro 4.
const SHORT_FORM: &[(Section, u32)] = &[
    (Intro, 2),
    (Verse, 4),
    (Build, 2),
    (Drop, 4),
    (Break, 2),
    (Outro, 2),
];

/// Longer songs go round verse, build and drop twice instead of stretching each section.
const LONG_FORM: &[(Section, u32)] = &[
    (Intro, 2),
    (Verse, 4),
    (Build, 2),
    (Drop, 4),
    (Break, 2),
    (Verse, 4),
    (Build, 2),
    (Drop, 4),
    (Outro, 2),
];

/// Where the song is at one grid point, as the parts need to know it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Beat {
    pub(crate) tick: u64,
    pub(crate) bar: u32,
    /// 32nd note within the bar, 0 ..= 31.
    pub(crate) step: u32,
    pub(crate) section: Section,
    pub(crate) bar_in_section: u32,
    pub(crate) section_bars: u32,
    pub(crate) next_section: Option<Section>,
    /// The final bar: one last downbeat, left to ring out.
    pub(crate) last_bar: bool,
    /// Index into the Am–F–C–G progression.
    pub(crate) chord: usize,
    pub(crate) frames_per_tick: f64,
}

impl Beat {
    /// Whether this is the last bar of its section (fills, reverse cymbals).
    pub(crate) fn section_ends(&self) -> bool {
        self.bar_in_section + 1 == self.section_bars
    }

    /// How far into its section, 0 ..< 1 (builds grow with it).
    pub(crate) fn progress(&self) -> f32 {
        (self.bar_in_section * TICKS_PER_BAR + self.step) as f32
            / (self.section_bars * TICKS_PER_BAR) as f32
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Song {
    pub(crate) bars: u32,
    frames_per_tick: f64,
    /// First bar of each section, in order; no section is empty.
    sections: Vec<(u32, Section)>,
}

impl Song {
    /// A song of whole bars as close to `seconds` as the tempo allows (at least one).
    pub(crate) fn new(seconds: f64, sample_rate: f64, bpm: f64) -> Self {
        let bar_seconds = 240.0 / bpm;
        let bars = ((seconds / bar_seconds).round() as u32).max(1);
        let long_units: u32 = LONG_FORM.iter().map(|s| s.1).sum();
        let form = if bars >= 2 * long_units {
            LONG_FORM
        } else {
            SHORT_FORM
        };
        let units: u32 = form.iter().map(|s| s.1).sum();
        // Sections start on even bars when there is room, so four-bar phrases line up.
        let grid = if bars >= 2 * units { 2.0 } else { 1.0 };
        let boundary = |cum: u32| -> u32 {
            if cum == units {
                bars
            } else {
                ((f64::from(cum) * f64::from(bars) / f64::from(units) / grid).round() * grid) as u32
            }
        };
        let mut sections = Vec::new();
        let mut cum = 0;
        for &(section, weight) in form {
            let (start, end) = (boundary(cum), boundary(cum + weight));
            if end > start {
                sections.push((start, section));
            }
            cum += weight;
        }
        Self {
            bars,
            frames_per_tick: sample_rate * bar_seconds / f64::from(TICKS_PER_BAR),
            sections,
        }
    }

    /// Timeline frame of a grid point.
    pub(crate) fn tick_frame(&self, tick: u64) -> u64 {
        (tick as f64 * self.frames_per_tick).round() as u64
    }

    /// Length of the song in frames.
    pub(crate) fn frames(&self) -> u64 {
        self.bar_frame(self.bars)
    }

    pub(crate) fn bar_frame(&self, bar: u32) -> u64 {
        self.tick_frame(u64::from(bar) * u64::from(TICKS_PER_BAR))
    }

    /// The first grid point at or after `frame`.
    pub(crate) fn first_tick_from(&self, frame: u64) -> u64 {
        let mut t = (frame as f64 / self.frames_per_tick).floor() as u64;
        while self.tick_frame(t) < frame {
            t += 1;
        }
        while t > 0 && self.tick_frame(t - 1) >= frame {
            t -= 1;
        }
        t
    }

    /// The first bar and the end bar of the first section of a kind.
    pub(crate) fn first(&self, section: Section) -> Option<(u32, u32)> {
        let i = self.sections.iter().position(|s| s.1 == section)?;
        Some((
            self.sections[i].0,
            self.sections.get(i + 1).map_or(self.bars, |s| s.0),
        ))
    }

    /// The grid point `tick`, or `None` past the last bar.
    pub(crate) fn beat(&self, tick: u64) -> Option<Beat> {
        let bar = u32::try_from(tick / u64::from(TICKS_PER_BAR)).ok()?;
        if bar >= self.bars {
            return None;
        }
        let i = self.sections.iter().rposition(|s| s.0 <= bar)?;
        let (start, section) = self.sections[i];
        let next = self.sections.get(i + 1);
        let end = next.map_or(self.bars, |s| s.0);
        let last_bar = bar + 1 == self.bars;
        Some(Beat {
            tick,
            bar,
            step: (tick % u64::from(TICKS_PER_BAR)) as u32,
            section,
            bar_in_section: bar - start,
            section_bars: end - start,
            next_section: next.map(|s| s.1),
            last_bar,
            chord: if last_bar {
                0
            } else {
                ((bar - start) % 4) as usize
            },
            frames_per_tick: self.frames_per_tick,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(song: &Song) -> Vec<(u32, Section)> {
        song.sections.clone()
    }

    #[test]
    fn one_minute_at_124_bpm_is_31_bars_with_vocals_room_at_bar_9() {
        let song = Song::new(60.0, 48_000.0, 124.0);
        assert_eq!(song.bars, 31);
        assert_eq!(
            form(&song),
            vec![
                (0, Intro),
                (4, Verse),
                (12, Build),
                (16, Drop),
                (23, Break),
                (27, Outro)
            ]
        );
        // 31 bars of 240/124 s: 59.998 s.
        assert_eq!(
            song.frames(),
            (31.0_f64 * 240.0 / 124.0 * 48_000.0).round() as u64
        );
    }

    #[test]
    fn four_minutes_take_the_long_form_on_even_bars() {
        let song = Song::new(240.0, 48_000.0, 124.0);
        assert_eq!(song.bars, 124);
        let f = form(&song);
        assert_eq!(f.len(), LONG_FORM.len());
        assert!(f.iter().all(|s| s.0 % 2 == 0), "{f:?}");
        assert!(f.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn tiny_songs_keep_valid_sections() {
        for seconds in [1.0, 2.0, 5.0, 9.0, 17.0] {
            let song = Song::new(seconds, 48_000.0, 124.0);
            let f = form(&song);
            assert_eq!(f[0].0, 0);
            assert!(f.windows(2).all(|w| w[0].0 < w[1].0));
            assert!(f.last().unwrap().0 < song.bars);
            let b = song.beat(u64::from(song.bars) * 32 - 1).unwrap();
            assert!(b.last_bar);
            assert!(song.beat(u64::from(song.bars) * 32).is_none());
        }
    }

    #[test]
    fn first_tick_from_rounds_up_to_the_grid() {
        let song = Song::new(60.0, 44_100.0, 124.0);
        for frame in [0, 1, 2_667, 2_668, 2_669, 100_000] {
            let t = song.first_tick_from(frame);
            assert!(song.tick_frame(t) >= frame);
            assert!(t == 0 || song.tick_frame(t - 1) < frame);
        }
    }
}
