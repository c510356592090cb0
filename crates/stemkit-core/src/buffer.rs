//! Planar audio storage.
//!
//! Planar (one contiguous run per channel) rather than interleaved, because every
//! processor and every summing kernel walks one channel at a time: that is the layout the
//! compiler vectorises, and it lets a stereo processor borrow both channels mutably at once.

/// A block of planar `f32` audio: `channels` runs of up to `capacity` frames each.
///
/// The capacity is fixed at construction (that is the only allocation); the number of
/// valid frames can change per block with [`AudioBuffer::set_frames`] without allocating,
/// which is what the audio thread needs for a short last block. The default buffer has no
/// channel and allocates nothing: a placeholder while a buffer is lent to another thread.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AudioBuffer {
    data: Vec<f32>,
    channels: usize,
    capacity: usize,
    frames: usize,
}

impl AudioBuffer {
    /// A silent buffer holding `capacity` frames of `channels` channels, `capacity` of
    /// them valid. Allocates: call on the main thread.
    #[must_use]
    pub fn new(channels: usize, capacity: usize) -> Self {
        Self {
            data: vec![0.0; channels * capacity],
            channels,
            capacity,
            frames: capacity,
        }
    }

    /// Builds a buffer from per-channel sample vectors of equal length (test and offline
    /// convenience; allocates).
    ///
    /// # Panics
    /// When the channels differ in length.
    #[must_use]
    pub fn from_channels(channels: &[Vec<f32>]) -> Self {
        let frames = channels.first().map_or(0, Vec::len);
        assert!(
            channels.iter().all(|c| c.len() == frames),
            "channels differ in length"
        );
        let mut buf = Self::new(channels.len(), frames);
        for (c, src) in channels.iter().enumerate() {
            buf.channel_mut(c).copy_from_slice(src);
        }
        buf
    }

    #[must_use]
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Valid frames in this block.
    #[must_use]
    pub fn frames(&self) -> usize {
        self.frames
    }

    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Sets the number of valid frames; never allocates.
    ///
    /// # Panics
    /// When `frames` exceeds the capacity.
    pub fn set_frames(&mut self, frames: usize) {
        assert!(
            frames <= self.capacity,
            "{frames} frames exceed capacity {}",
            self.capacity
        );
        self.frames = frames;
    }

    #[must_use]
    pub fn channel(&self, c: usize) -> &[f32] {
        let start = c * self.capacity;
        &self.data[start..start + self.frames]
    }

    pub fn channel_mut(&mut self, c: usize) -> &mut [f32] {
        let start = c * self.capacity;
        &mut self.data[start..start + self.frames]
    }

    /// Every channel's valid frames, mutably, in channel order.
    pub fn channels_mut(&mut self) -> impl Iterator<Item = &mut [f32]> {
        let frames = self.frames;
        self.data
            .chunks_exact_mut(self.capacity.max(1))
            .map(move |c| &mut c[..frames])
    }

    /// Every channel's valid frames, in channel order.
    pub fn iter_channels(&self) -> impl Iterator<Item = &[f32]> {
        let frames = self.frames;
        self.data
            .chunks_exact(self.capacity.max(1))
            .map(move |c| &c[..frames])
    }

    /// Both channels of a stereo buffer, mutably at once.
    ///
    /// # Panics
    /// When the buffer is not stereo.
    pub fn stereo_mut(&mut self) -> (&mut [f32], &mut [f32]) {
        assert_eq!(
            self.channels, 2,
            "stereo_mut on a {}-channel buffer",
            self.channels
        );
        let (l, r) = self.data.split_at_mut(self.capacity);
        (&mut l[..self.frames], &mut r[..self.frames])
    }

    /// Zeroes the valid frames.
    pub fn clear(&mut self) {
        for ch in self.channels_mut() {
            ch.fill(0.0);
        }
    }

    /// Copies `src` (same channel count and frame count) into this buffer.
    ///
    /// # Panics
    /// When the shapes differ.
    pub fn copy_from(&mut self, src: &Self) {
        assert_eq!(self.channels, src.channels, "channel count differs");
        self.set_frames(src.frames);
        for c in 0..self.channels {
            self.channel_mut(c).copy_from_slice(src.channel(c));
        }
    }

    /// Adds `src * gain` into this buffer, sample by sample.
    ///
    /// A mono source into a stereo buffer lands on both channels (dual mono); a stereo
    /// source into a mono buffer is folded as `(L + R) / 2`, the rule of DESIGN §2.
    ///
    /// # Panics
    /// When the frame counts differ or a channel layout other than 1 or 2 is mixed.
    pub fn add_from(&mut self, src: &Self, gain: f32) {
        assert_eq!(self.frames, src.frames, "frame count differs");
        match (src.channels, self.channels) {
            (a, b) if a == b => {
                for c in 0..b {
                    add_scaled(self.channel_mut(c), src.channel(c), gain);
                }
            }
            (1, 2) => {
                let (l, r) = self.stereo_mut();
                add_scaled(l, src.channel(0), gain);
                add_scaled(r, src.channel(0), gain);
            }
            (2, 1) => {
                let half = 0.5 * gain;
                let dst = self.channel_mut(0);
                for ((d, &l), &r) in dst.iter_mut().zip(src.channel(0)).zip(src.channel(1)) {
                    *d += half * (l + r);
                }
            }
            (a, b) => panic!("cannot mix {a} channels into {b}"),
        }
    }

    /// Largest absolute sample over the valid frames of every channel.
    #[must_use]
    pub fn peak(&self) -> f32 {
        self.iter_channels()
            .flat_map(|c| c.iter())
            .fold(0.0_f32, |m, &s| m.max(s.abs()))
    }
}

/// `dst[i] += src[i] * gain`: written as a plain zip so it vectorises.
pub fn add_scaled(dst: &mut [f32], src: &[f32], gain: f32) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d += s * gain;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_block_keeps_capacity_and_slices() {
        let mut b = AudioBuffer::new(2, 8);
        b.set_frames(3);
        assert_eq!(b.channel(1).len(), 3);
        b.channel_mut(1)[2] = 0.5;
        b.set_frames(8);
        assert_eq!(b.channel(1)[2], 0.5);
        assert_eq!(b.channel(0)[2], 0.0);
    }

    #[test]
    fn mono_into_stereo_is_dual_mono_and_stereo_into_mono_averages() {
        let mono = AudioBuffer::from_channels(&[vec![1.0, -2.0]]);
        let mut st = AudioBuffer::new(2, 2);
        st.add_from(&mono, 0.5);
        assert_eq!(st.channel(0), &[0.5, -1.0]);
        assert_eq!(st.channel(1), &[0.5, -1.0]);
        let stereo = AudioBuffer::from_channels(&[vec![1.0, 0.0], vec![0.0, 1.0]]);
        let mut m = AudioBuffer::new(1, 2);
        m.add_from(&stereo, 1.0);
        assert_eq!(m.channel(0), &[0.5, 0.5]);
    }

    #[test]
    fn peak_sees_every_channel() {
        let b = AudioBuffer::from_channels(&[vec![0.1, -0.2], vec![0.3, -0.9]]);
        assert_eq!(b.peak(), 0.9);
    }
}
