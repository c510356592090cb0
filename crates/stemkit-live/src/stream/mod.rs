//! Streaming the sources from disk with bounded memory.
//!
//! A disk thread reads every playing track ahead of the playhead into a fixed pool of
//! chunks ([`CHUNK_FRAMES`] timeline frames of every track each, [`POOL_CHUNKS`] of them:
//! about 0.7 s at 48 kHz) and hands them to the audio thread through a wait-free ring; the
//! audio thread copies from them and hands them back through another. Nothing is
//! allocated or freed after the start, and the memory is the pool's, however long the
//! song.
//!
//! Chunks carry the timeline frame they start at and a generation: a seek raises the
//! generation, so chunks read for the old position are recognised and recycled. Loops are
//! followed by the disk thread (it reads from the loop start again after the loop end), and
//! the audio thread accepts only a chunk holding the frame it needs next, so a loop set or
//! cleared while chunks are in flight costs at most a short refill, never a wrong sample.
//!
//! The data of a timeline frame does not depend on where reading started: a source is
//! streamed directly only when it is lossless at the session rate (a decode from any
//! offset gives the same samples); any other is conformed once, at the start, into a float
//! WAV at the session rate. That is what lets a replay of a performance match
//! its recording sample for sample.

mod disk;
mod place;
mod reader;

use stemkit_core::AudioBuffer;

pub(crate) use disk::DiskThread;
pub(crate) use place::{Placement, TrackPlan, place};
pub(crate) use reader::StreamReader;

/// Timeline frames per chunk.
pub const CHUNK_FRAMES: usize = 2048;
/// Chunks in the pool.
pub const POOL_CHUNKS: usize = 16;

/// Timeline frames `start .. start + frames` of every playing track.
pub(crate) struct Chunk {
    generation: u64,
    start: u64,
    frames: usize,
    tracks: Vec<AudioBuffer>,
}

impl Chunk {
    fn contains(&self, generation: u64, frame: u64) -> bool {
        self.generation == generation
            && self.start <= frame
            && frame < self.start + self.frames as u64
    }
}

/// What the audio thread tells the disk thread: the whole state, so the latest request
/// alone is enough.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct DiskRequest {
    generation: u64,
    /// Where to read from, when the generation is new.
    seek: Option<u64>,
    looped: Option<(u64, u64)>,
    playhead: u64,
}

/// The end of the chunk read from `pos`: the chunk length, cut at the loop end when the
/// loop end lies ahead.
fn chunk_end(pos: u64, looped: Option<(u64, u64)>) -> u64 {
    let end = pos + CHUNK_FRAMES as u64;
    match looped {
        Some((_, loop_end)) if pos < loop_end => end.min(loop_end),
        _ => end,
    }
}

/// Main thread: the chunk pool and the rings for `plans`; starts the disk thread.
pub(crate) fn start(
    plans: &[TrackPlan],
    sample_rate: u32,
    blocking: bool,
) -> Result<(StreamReader, DiskThread), crate::LiveError> {
    let (mut free_tx, free_rx) = rtrb::RingBuffer::<Box<Chunk>>::new(POOL_CHUNKS);
    let (full_tx, full_rx) = rtrb::RingBuffer::<Box<Chunk>>::new(POOL_CHUNKS);
    let (req_tx, req_rx) = rtrb::RingBuffer::<DiskRequest>::new(64);
    for _ in 0..POOL_CHUNKS {
        let chunk = Box::new(Chunk {
            generation: 0,
            start: 0,
            frames: 0,
            tracks: plans
                .iter()
                .map(|p| AudioBuffer::new(p.channels, CHUNK_FRAMES))
                .collect(),
        });
        if free_tx.push(chunk).is_err() {
            unreachable!("the free ring holds the whole pool");
        }
    }
    let disk = DiskThread::spawn(plans.to_vec(), sample_rate, full_tx, free_rx, req_rx)?;
    Ok((StreamReader::new(full_rx, free_tx, req_tx, blocking), disk))
}
