//! The instruments. Each is a [`Voice`]: told about every grid point, updated on a fixed
//! control grid, and rendered sample by sample in between, so its output depends only on
//! its position in the song, never on how the caller slices the blocks.

pub(crate) mod bass;
pub(crate) mod drums;
pub(crate) mod fx;
pub(crate) mod keys;
pub(crate) mod singer;

use crate::song::Beat;

pub(crate) trait Voice: Send {
    /// A grid point of the song, before the frame it falls on is rendered.
    fn tick(&mut self, beat: &Beat);

    /// Every [`crate::dsp::CONTROL`] frames of the file, before they are rendered:
    /// coefficient updates, and the switch to silence once the sound has died away.
    fn control(&mut self);

    /// Writes the next `l.len()` frames. `r` is empty for a mono voice, otherwise the same
    /// length as `l`. Never longer than the distance to the next tick or control point.
    fn render(&mut self, l: &mut [f32], r: &mut [f32]);
}

/// Counts a note's gate down in ticks.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Gate(u32);

impl Gate {
    pub(crate) fn open(&mut self, ticks: u32) {
        self.0 = ticks;
    }

    /// One tick on; true on the tick the gate closes.
    pub(crate) fn tick(&mut self) -> bool {
        if self.0 == 0 {
            return false;
        }
        self.0 -= 1;
        self.0 == 0
    }
}
