//! Fixed integer delays that line paths up at a sum (plugin-delay compensation).
//!
//! Shared by the offline render and the live host, so both compensate latency the same way.

use crate::AudioBuffer;

/// Delays every channel of a buffer by a fixed number of frames, in place.
#[derive(Clone, Debug)]
pub struct DelayLine {
    delay: usize,
    rings: Vec<Vec<f32>>,
    pos: usize,
}

impl DelayLine {
    /// A line of `delay` frames for `channels` channels. Allocates: main thread.
    #[must_use]
    pub fn new(channels: usize, delay: usize) -> Self {
        Self {
            delay,
            rings: vec![vec![0.0; delay]; channels],
            pos: 0,
        }
    }

    /// Delays `buf` in place. Never allocates: any thread.
    pub fn process(&mut self, buf: &mut AudioBuffer) {
        if self.delay == 0 {
            return;
        }
        let start = self.pos;
        for (ring, ch) in self.rings.iter_mut().zip(buf.channels_mut()) {
            let mut pos = start;
            for s in ch.iter_mut() {
                std::mem::swap(s, &mut ring[pos]);
                pos += 1;
                if pos == ring.len() {
                    pos = 0;
                }
            }
        }
        self.pos = (start + buf.frames()) % self.delay;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_across_block_boundaries() {
        let mut d = DelayLine::new(1, 3);
        let mut out = Vec::new();
        for block in [[1.0, 2.0], [3.0, 4.0], [5.0, 0.0]] {
            let mut b = AudioBuffer::from_channels(&[block.to_vec()]);
            d.process(&mut b);
            out.extend_from_slice(b.channel(0));
        }
        assert_eq!(out, [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]);
    }
}
