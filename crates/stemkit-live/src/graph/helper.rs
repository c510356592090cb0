//! Helper threads that run stems' insert chains beside the audio thread.
//!
//! A stem's inserts (EQ, compressor, 8× saturation ...) are most of a live block's work,
//! and stems of one wave do not depend on each other. With helpers, such stems are dealt
//! round-robin over the audio thread and the helpers: each stem has a home thread, so its
//! chain's state stays in that core's cache. Each block the audio thread puts the jobs of
//! the helpers' stems (bus and chain, moved, not copied: nothing is allocated) on their
//! helpers' lock-free queues, runs its own stems, then takes back from the queues any job
//! a helper has not started and runs it too, and finally waits for the jobs the helpers
//! took. Whoever takes a job runs that stem's chain on that stem's samples, in block
//! order, so the output is the same, bit for bit, with any number of helpers (test
//! `helpers_change_no_sample`).
//!
//! The audio thread never waits for a job nobody has started: a helper that is slow to
//! wake only leaves it more to do itself. What it can wait for is a chain a helper is
//! running, one stem's worth of work. Helpers run at the audio thread's real-time
//! priority, so nothing but the audio thread can preempt them mid-job.
//!
//! Waking a sleeping thread on another core takes tens to hundreds of microseconds (more
//! in a virtual machine), about what a helper saves, so a helper does not wait to be
//! woken: it learns the block period from the jobs' arrival and, between blocks, sleeps
//! until [`LEAD`] before the next block is due, then polls the queue. Polling only around
//! the blocks keeps its core mostly free, so real-time throttling (which would freeze a
//! thread polling all the time, perhaps mid-job) has no reason to act. When no block has
//! come for a while (the transport stopped, the output paused) it parks, flagged idle, and
//! the audio thread's `unpark` at the start of the next block (a futex wake, only for an
//! idle helper) brings it back. If a helper has stopped (it panicked), the audio thread's
//! wait ends in a panic rather than hanging.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_queue::ArrayQueue;
use stemkit_core::AudioBuffer;

use super::chain::Chain;

/// How long a helper polls after its last job: long enough for the jobs of the next wave
/// of the same block. A job that comes later than this after the previous one starts a
/// new block.
const AWAKE: Duration = Duration::from_micros(100);

/// How early a helper gets up before the next block is due, to cover the timer's lateness.
const LEAD: Duration = Duration::from_micros(300);

/// How long past its due time a helper polls for a block before it parks.
const LATE: Duration = Duration::from_millis(2);

/// One stem's inserts for one block, on their way to whichever thread runs them.
pub(super) struct Job {
    /// The stem, in the graph's numbering.
    pub(super) stem: usize,
    pub(super) chain: Chain,
    pub(super) bus: AudioBuffer,
    /// The chain's gain reduction after the block, for the meters.
    pub(super) reduction: f32,
}

impl Job {
    fn run(&mut self) {
        self.chain.process(&mut self.bus, &[]);
        self.reduction = self.chain.gain_reduction_db();
    }
}

/// One helper's queues.
struct Shared {
    /// Jobs for this helper; the audio thread takes back those it has not started.
    todo: ArrayQueue<Job>,
    done: ArrayQueue<Job>,
    stop: AtomicBool,
    /// Set while the helper is parked with no block expected, so only then does the audio
    /// thread pay for a wake-up (a system call, and in a virtual machine an interrupt to
    /// another core).
    idle: AtomicBool,
}

/// The audio thread's side of the helper threads.
pub(super) struct Helpers {
    shared: Vec<Arc<Shared>>,
    threads: Vec<JoinHandle<()>>,
    /// Jobs queued this wave.
    queued: usize,
}

impl Helpers {
    /// Main thread: starts `count` helpers for at most `jobs` jobs each at a time.
    pub(super) fn start(count: usize, jobs: usize) -> std::io::Result<Self> {
        let mut helpers = Self {
            shared: Vec::with_capacity(count),
            threads: Vec::with_capacity(count),
            queued: 0,
        };
        for i in 0..count {
            let shared = Arc::new(Shared {
                todo: ArrayQueue::new(jobs.max(1)),
                done: ArrayQueue::new(jobs.max(1)),
                stop: AtomicBool::new(false),
                idle: AtomicBool::new(false),
            });
            helpers.shared.push(Arc::clone(&shared));
            helpers.threads.push(
                std::thread::Builder::new()
                    .name(format!("stemkit-dsp-{i}"))
                    .spawn(move || help(&shared))?,
            );
        }
        Ok(helpers)
    }

    /// Audio thread: wakes every idle helper (at the start of a block, ahead of the jobs).
    /// A helper that sleeps until the next block is due is left to its timer.
    pub(super) fn wake(&self) {
        for (t, shared) in self.threads.iter().zip(&self.shared) {
            if shared.idle.load(Ordering::Acquire) {
                t.thread().unpark();
            }
        }
    }

    /// Audio thread: queues a job for helper `helper`.
    pub(super) fn queue(&mut self, helper: usize, job: Job) {
        if self.shared[helper].todo.push(job).is_err() {
            unreachable!("a queue holds a job for every stem of its helper");
        }
        self.queued += 1;
    }

    /// Audio thread, after running its own stems: runs the queued jobs no helper has
    /// started, then waits for the others; every finished job goes to `back`.
    pub(super) fn finish(&mut self, mut back: impl FnMut(Job)) {
        let mut left = std::mem::take(&mut self.queued);
        for shared in &self.shared {
            while let Some(mut job) = shared.todo.pop() {
                job.run();
                back(job);
                left -= 1;
            }
        }
        let mut polls: u32 = 0;
        while left > 0 {
            for shared in &self.shared {
                while let Some(job) = shared.done.pop() {
                    back(job);
                    left -= 1;
                }
            }
            polls = polls.wrapping_add(1);
            if left > 0
                && polls.is_multiple_of(4096)
                && self.threads.iter().any(JoinHandle::is_finished)
            {
                panic!("a stem helper thread stopped");
            }
            std::hint::spin_loop();
        }
    }
}

impl Drop for Helpers {
    fn drop(&mut self) {
        for shared in &self.shared {
            shared.stop.store(true, Ordering::Release);
        }
        for t in self.threads.drain(..) {
            t.thread().unpark();
            // A helper that panicked has reported it on stderr already.
            let _ = t.join();
        }
    }
}

/// A helper thread: runs jobs while there are any; between blocks sleeps until shortly
/// before the next is due; parks when the blocks stop.
fn help(shared: &Shared) {
    // Best effort, as for the audio thread: a helper preempted mid-job delays the block.
    crate::backend::promote_audio_thread();
    let mut last_job = Instant::now();
    let mut block_start: Option<Instant> = None;
    let mut period: Option<Duration> = None;
    loop {
        if let Some(mut job) = shared.todo.pop() {
            let now = Instant::now();
            if now.duration_since(last_job) > AWAKE {
                // The first job of a block.
                period = block_start.map(|b| now.duration_since(b));
                block_start = Some(now);
            }
            job.run();
            if shared.done.push(job).is_err() {
                unreachable!("the done queue is as large as the job queue");
            }
            last_job = Instant::now();
            continue;
        }
        if shared.stop.load(Ordering::Acquire) {
            return;
        }
        let now = Instant::now();
        if now.duration_since(last_job) < AWAKE {
            std::hint::spin_loop();
            continue;
        }
        match (block_start, period) {
            (Some(start), Some(p)) if p < LATE => {
                let due = start + p;
                if now + LEAD < due {
                    std::thread::park_timeout(due - LEAD - now);
                } else if now < due + LATE {
                    std::hint::spin_loop();
                } else {
                    // No block for a while: wait for the audio thread's wake-up.
                    block_start = None;
                    park_idle(shared);
                }
            }
            _ => {
                block_start = None;
                park_idle(shared);
            }
        }
    }
}

/// Parks until the audio thread wakes the helper for a block. A job queued before the
/// audio thread saw the flag is not lost: the audio thread runs it itself.
fn park_idle(shared: &Shared) {
    shared.idle.store(true, Ordering::Release);
    if shared.todo.is_empty() && !shared.stop.load(Ordering::Acquire) {
        std::thread::park();
    }
    shared.idle.store(false, Ordering::Release);
}
