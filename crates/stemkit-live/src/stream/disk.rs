//! The disk thread: reads every playing track ahead of the playhead into free chunks.
//!
//! It runs on its own thread, where blocking on the disk is fine; it never touches the
//! audio thread's state except through the rings.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use rtrb::{Consumer, Producer};
use stemkit_core::AudioBuffer;
use stemkit_io::SourceReader;

use super::{CHUNK_FRAMES, Chunk, DiskRequest, TrackPlan, chunk_end};
use crate::LiveError;

/// A source reader and the timeline frame it yields next.
struct OpenReader {
    reader: SourceReader,
    next: u64,
}

struct Disk {
    plans: Vec<TrackPlan>,
    sample_rate: u32,
    readers: Vec<Option<OpenReader>>,
    /// Tracks whose file failed mid-performance: silent from then on.
    failed: Vec<bool>,
    scratch: Vec<AudioBuffer>,
    full: Producer<Box<Chunk>>,
    free: Consumer<Box<Chunk>>,
    requests: Consumer<DiskRequest>,
    generation: u64,
    pos: u64,
    looped: Option<(u64, u64)>,
}

/// The running disk thread; stop it with [`DiskThread::stop`].
pub(crate) struct DiskThread {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl DiskThread {
    pub(super) fn spawn(
        plans: Vec<TrackPlan>,
        sample_rate: u32,
        full: Producer<Box<Chunk>>,
        free: Consumer<Box<Chunk>>,
        requests: Consumer<DiskRequest>,
    ) -> Result<Self, LiveError> {
        let stop = Arc::new(AtomicBool::new(false));
        let mut disk = Disk {
            readers: plans.iter().map(|_| None).collect(),
            failed: vec![false; plans.len()],
            scratch: plans
                .iter()
                .map(|p| AudioBuffer::new(p.channels, CHUNK_FRAMES))
                .collect(),
            plans,
            sample_rate,
            full,
            free,
            requests,
            generation: 0,
            pos: 0,
            looped: None,
        };
        let flag = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("stemkit-disk".into())
            .spawn(move || disk.run(&flag))
            .map_err(|e| LiveError::Thread(format!("cannot start the disk thread: {e}")))?;
        Ok(Self {
            stop,
            handle: Some(handle),
        })
    }

    /// Main thread: stops the thread and waits for it.
    pub(crate) fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for DiskThread {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Disk {
    fn run(&mut self, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            while let Ok(req) = self.requests.pop() {
                self.apply(req);
            }
            match self.free.pop() {
                Ok(mut chunk) => {
                    self.fill(&mut chunk);
                    if self.full.push(chunk).is_err() {
                        unreachable!("the full ring holds the whole pool");
                    }
                }
                Err(_) => std::thread::sleep(Duration::from_millis(1)),
            }
        }
    }

    fn apply(&mut self, req: DiskRequest) {
        if req.generation != self.generation {
            self.generation = req.generation;
            self.pos = req.seek.unwrap_or(req.playhead);
        } else if let Some((loop_start, loop_end)) = req.looped {
            // Already read past a new loop end the playhead has not reached: go back.
            if req.playhead <= loop_end && self.pos >= loop_end {
                self.pos = loop_start;
            }
        }
        self.looped = req.looped;
    }

    fn fill(&mut self, chunk: &mut Chunk) {
        let end = chunk_end(self.pos, self.looped);
        let frames = (end - self.pos) as usize;
        chunk.generation = self.generation;
        chunk.start = self.pos;
        chunk.frames = frames;
        for ti in 0..self.plans.len() {
            let buf = &mut chunk.tracks[ti];
            buf.set_frames(frames);
            buf.clear();
            let plan = &self.plans[ti];
            let from = plan.start.max(self.pos);
            let to = plan.end.min(end);
            if from >= to || self.failed[ti] {
                continue;
            }
            if let Err(e) = self.read_into(ti, from, to, (from - self.pos) as usize, buf) {
                eprintln!(
                    "warning: track \"{}\": {e}; it is silent from here on",
                    self.plans[ti].name
                );
                self.failed[ti] = true;
                self.readers[ti] = None;
            }
        }
        self.pos = end;
        if let Some((loop_start, loop_end)) = self.looped
            && self.pos == loop_end
        {
            self.pos = loop_start;
        }
    }

    /// Timeline frames `from .. to` of track `ti` into `buf` at `at`.
    fn read_into(
        &mut self,
        ti: usize,
        from: u64,
        to: u64,
        at: usize,
        buf: &mut AudioBuffer,
    ) -> Result<(), LiveError> {
        let plan = &self.plans[ti];
        if self.readers[ti].as_ref().is_none_or(|r| r.next != from) {
            let file_frame = plan.first + (from - plan.start);
            let seconds = file_frame as f64 / f64::from(self.sample_rate);
            let reader =
                SourceReader::open(&plan.path, self.sample_rate, seconds).map_err(LiveError::Io)?;
            self.readers[ti] = Some(OpenReader { reader, next: from });
        }
        let Some(open) = self.readers[ti].as_mut() else {
            return Ok(());
        };
        let want = (to - from) as usize;
        let scratch = &mut self.scratch[ti];
        scratch.set_frames(want);
        let got = open.reader.read(scratch).map_err(LiveError::Io)?;
        open.next = from + got as u64;
        for c in 0..buf.channels() {
            buf.channel_mut(c)[at..at + got].copy_from_slice(&scratch.channel(c)[..got]);
        }
        Ok(())
    }
}
