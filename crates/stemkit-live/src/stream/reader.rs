//! The audio thread's side of the stream: takes frames from the chunks the disk thread
//! filled, in timeline order, following seeks and loops.

use rtrb::{Consumer, Producer};
use stemkit_core::AudioBuffer;

use super::{Chunk, DiskRequest};

pub(crate) struct StreamReader {
    full: Consumer<Box<Chunk>>,
    free: Producer<Box<Chunk>>,
    requests: Producer<DiskRequest>,
    current: Option<Box<Chunk>>,
    generation: u64,
    /// A request the ring had no room for yet: sent again on the next read.
    pending: Option<DiskRequest>,
    /// Offline: wait for the disk instead of coming back short.
    blocking: bool,
}

impl StreamReader {
    pub(super) fn new(
        full: Consumer<Box<Chunk>>,
        free: Producer<Box<Chunk>>,
        requests: Producer<DiskRequest>,
        blocking: bool,
    ) -> Self {
        Self {
            full,
            free,
            requests,
            current: None,
            generation: 0,
            pending: None,
            blocking,
        }
    }

    /// Audio thread: restarts reading at timeline frame `frame`.
    pub(crate) fn seek(&mut self, frame: u64, looped: Option<(u64, u64)>) {
        self.generation += 1;
        if let Some(c) = self.current.take() {
            self.recycle(c);
        }
        self.request(DiskRequest {
            generation: self.generation,
            seek: Some(frame),
            looped,
            playhead: frame,
        });
    }

    /// Audio thread: a loop was set or cleared with the playhead at `playhead`.
    pub(crate) fn set_loop(&mut self, looped: Option<(u64, u64)>, playhead: u64) {
        let seek = self
            .pending
            .filter(|p| p.generation == self.generation)
            .and_then(|p| p.seek);
        self.request(DiskRequest {
            generation: self.generation,
            seek,
            looped,
            playhead,
        });
    }

    fn request(&mut self, req: DiskRequest) {
        self.pending = Some(req);
        self.send_pending();
    }

    fn send_pending(&mut self) {
        if let Some(req) = self.pending
            && self.requests.push(req).is_ok()
        {
            self.pending = None;
        }
    }

    fn recycle(&mut self, chunk: Box<Chunk>) {
        // The free ring holds the whole pool, so this never fails (and never drops a
        // chunk, which would free memory on the audio thread).
        let _ = self.free.push(chunk);
    }

    /// Audio thread: copies up to `want` frames from the playhead on into `dst` (one
    /// buffer per track) from frame 0, advancing `playhead` and wrapping it at the loop
    /// end. Returns the frames copied: fewer than `want` when the disk is behind (never,
    /// when blocking).
    pub(crate) fn read(
        &mut self,
        dst: &mut [AudioBuffer],
        want: usize,
        playhead: &mut u64,
        looped: Option<(u64, u64)>,
    ) -> usize {
        self.send_pending();
        let mut got = 0;
        while got < want {
            if let Some((loop_start, loop_end)) = looped
                && *playhead == loop_end
            {
                *playhead = loop_start;
            }
            if !self.locate(*playhead, looped) {
                break;
            }
            let Some(chunk) = self.current.as_ref() else {
                break;
            };
            let off = (*playhead - chunk.start) as usize;
            let mut k = (chunk.frames - off).min(want - got);
            if let Some((_, loop_end)) = looped
                && *playhead < loop_end
            {
                k = k.min((loop_end - *playhead) as usize);
            }
            for (d, s) in dst.iter_mut().zip(&chunk.tracks) {
                for c in 0..d.channels() {
                    d.channel_mut(c)[got..got + k].copy_from_slice(&s.channel(c)[off..off + k]);
                }
            }
            got += k;
            *playhead += k as u64;
        }
        got
    }

    /// Makes the current chunk the one holding `frame`, recycling chunks that do not.
    /// When the disk has nothing that fits after skipping chunks of this generation, it
    /// has gone another way (a loop changed under it): it is sent to `frame`.
    fn locate(&mut self, frame: u64, looped: Option<(u64, u64)>) -> bool {
        let mut off_track = false;
        loop {
            if self
                .current
                .as_ref()
                .is_some_and(|c| c.contains(self.generation, frame))
            {
                return true;
            }
            if let Some(c) = self.current.take() {
                self.recycle(c);
            }
            match self.full.pop() {
                Ok(c) if c.contains(self.generation, frame) => self.current = Some(c),
                Ok(c) => {
                    off_track |= c.generation == self.generation;
                    self.recycle(c);
                }
                Err(_) => {
                    if off_track {
                        self.seek(frame, looped);
                        off_track = false;
                    }
                    if !self.blocking {
                        return false;
                    }
                    self.send_pending();
                    std::thread::sleep(std::time::Duration::from_micros(100));
                }
            }
        }
    }
}
