//! The main-thread half of a live session: how surfaces send controls and read meters.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rtrb::Producer;

use crate::control::{Control, ControlError, Names, TimeBase};
use crate::meters::Meters;
use crate::overview::Overview;
use crate::state::MixState;

/// Sends controls to a running [`crate::LiveProcessor`] and reads what it publishes.
///
/// Cheap to clone; every method runs on any thread except the audio thread (sending takes
/// a mutex around the queue's producer end, so several surfaces can share one queue; the
/// audio thread's end takes no lock).
#[derive(Clone)]
pub struct LiveHandle {
    inner: Arc<Inner>,
}

struct Inner {
    names: Names,
    time: TimeBase,
    latency: usize,
    queue: Mutex<Producer<Control>>,
    meters: Arc<Meters>,
    mirror: Mutex<MixState>,
    version: AtomicU64,
    overview: OnceLock<Overview>,
    /// The address the next MIDI controller moved is bound to.
    learn: Mutex<Option<String>>,
}

impl std::fmt::Debug for LiveHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveHandle")
            .field("names", &self.inner.names)
            .finish_non_exhaustive()
    }
}

impl LiveHandle {
    pub(crate) fn new(
        names: Names,
        time: TimeBase,
        latency: usize,
        queue: Producer<Control>,
        meters: Arc<Meters>,
        mirror: MixState,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                names,
                time,
                latency,
                queue: Mutex::new(queue),
                meters,
                mirror: Mutex::new(mirror),
                version: AtomicU64::new(0),
                overview: OnceLock::new(),
                learn: Mutex::new(None),
            }),
        }
    }

    /// Validates `control` and queues it for the next audio block.
    ///
    /// # Errors
    /// The validation's error, or a full queue (the audio thread is not running).
    pub fn send(&self, control: Control) -> Result<(), ControlError> {
        control.validate(&self.inner.names, &self.inner.time)?;
        let mut q = self
            .inner
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if q.push(control).is_err() {
            self.inner
                .meters
                .dropped_controls
                .fetch_add(1, Ordering::Relaxed);
            let address = crate::address::format(&control, &self.inner.names).0;
            return Err(ControlError::new(
                address,
                "the control queue is full (is the audio running?)",
            ));
        }
        drop(q);
        self.inner
            .mirror
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .apply(&control);
        self.inner.version.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// Parses a message of the address space ([`crate::address`]) and sends it.
    ///
    /// # Errors
    /// As [`crate::address::parse`] and [`LiveHandle::send`].
    pub fn send_address(&self, address: &str, args: &[f64]) -> Result<(), ControlError> {
        match crate::address::parse(address, args, &self.inner.names, &self.inner.time)? {
            Some(c) => self.send(c),
            None => Ok(()),
        }
    }

    #[must_use]
    pub fn names(&self) -> &Names {
        &self.inner.names
    }

    #[must_use]
    pub fn time(&self) -> &TimeBase {
        &self.inner.time
    }

    /// Frames from a source frame entering the mix to its leaving the output.
    #[must_use]
    pub fn latency(&self) -> usize {
        self.inner.latency
    }

    #[must_use]
    pub fn meters(&self) -> &Meters {
        &self.inner.meters
    }

    /// The mix as last set, and a version number that changes with every control sent.
    #[must_use]
    pub fn state(&self) -> (MixState, u64) {
        let v = self.inner.version.load(Ordering::Acquire);
        let s = self
            .inner
            .mirror
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        (s, v)
    }

    /// The waveform overview, once the background scan has finished.
    #[must_use]
    pub fn overview(&self) -> Option<&Overview> {
        self.inner.overview.get()
    }

    /// Arms MIDI learn: the next controller moved is bound to `address`.
    ///
    /// # Errors
    /// An address that is not a level, filter, switch or transport button of this session.
    pub fn arm_midi_learn(&self, address: &str) -> Result<(), ControlError> {
        crate::midi::learnable(address).map_err(|p| ControlError::new(address, p))?;
        // The address must name this session's stems and returns.
        let probe: &[f64] = if address.ends_with("loop_off") {
            &[]
        } else {
            &[0.0]
        };
        crate::address::parse(address, probe, &self.inner.names, &self.inner.time)?;
        *self
            .inner
            .learn
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(address.to_owned());
        Ok(())
    }

    /// The armed MIDI learn target, disarming it.
    pub(crate) fn take_midi_learn(&self) -> Option<String> {
        self.inner
            .learn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    pub(crate) fn set_overview(&self, overview: Overview) {
        let _ = self.inner.overview.set(overview);
    }
}
