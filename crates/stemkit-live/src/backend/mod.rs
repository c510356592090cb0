//! Where the audio goes: `null`, `file:PATH`, and with the `device` feature a sound card
//! (`device[:NAME]`) or JACK (`jack`, with the `jack` feature).

#[cfg(feature = "device")]
mod device;
mod paced;
mod recorder;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::meters::Meters;
use crate::{LiveError, LiveProcessor};

/// Whether this build can open sound cards (the `device` feature).
pub const HAS_DEVICE: bool = cfg!(feature = "device");

/// An output as `--output` spells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Paced in real time, heard by no one (for rehearsal with a control surface, tests).
    Null,
    /// Paced in real time and recorded to a 32-bit float WAV.
    File(PathBuf),
    /// A sound card through cpal, by name or the default one.
    Device(Option<String>),
    /// The JACK server through cpal.
    Jack,
}

impl std::str::FromStr for Output {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "null" => Ok(Self::Null),
            "device" => Ok(Self::Device(None)),
            "jack" => Ok(Self::Jack),
            _ => {
                if let Some(path) = s.strip_prefix("file:").filter(|p| !p.is_empty()) {
                    Ok(Self::File(PathBuf::from(path)))
                } else if let Some(name) = s.strip_prefix("device:").filter(|n| !n.is_empty()) {
                    Ok(Self::Device(Some(name.to_owned())))
                } else {
                    Err(format!(
                        "\"{s}\" is not an output: use null, file:PATH, device, device:NAME or jack"
                    ))
                }
            }
        }
    }
}

/// Best effort: asks for real-time FIFO scheduling for the calling thread, as a sound
/// card's callback thread has; returns whether it was granted (it needs root or an
/// `rtprio` limit; without it the thread runs at normal priority).
pub fn promote_audio_thread() -> bool {
    use thread_priority::{ThreadPriority, ThreadPriorityValue};
    let Ok(value) = ThreadPriorityValue::try_from(80_u8) else {
        return false;
    };
    #[cfg(unix)]
    {
        use thread_priority::unix::{
            RealtimeThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
            thread_native_id,
        };
        set_thread_priority_and_policy(
            thread_native_id(),
            ThreadPriority::Crossplatform(value),
            ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo),
        )
        .is_ok()
    }
    #[cfg(not(unix))]
    {
        thread_priority::set_current_thread_priority(ThreadPriority::Crossplatform(value)).is_ok()
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::File(p) => write!(f, "file:{}", p.display()),
            Self::Device(None) => f.write_str("device"),
            Self::Device(Some(n)) => write!(f, "device:{n}"),
            Self::Jack => f.write_str("jack"),
        }
    }
}

impl Output {
    /// Whether this build can open the output.
    ///
    /// # Errors
    /// A sound card or JACK without the feature that brings it.
    pub fn check(&self) -> Result<(), LiveError> {
        let feature = match self {
            Self::Device(_) if !HAS_DEVICE => "device",
            Self::Jack if !cfg!(feature = "jack") => "jack",
            _ => return Ok(()),
        };
        Err(LiveError::Output(format!(
            "{self} needs a build with the `{feature}` feature: cargo build --release --features stemkit-live/{feature}"
        )))
    }
}

/// Measures each callback against the block period, for the load meter.
pub(crate) struct Timing {
    meters: Arc<Meters>,
}

impl Timing {
    /// Audio thread.
    pub(crate) fn record(&mut self, took: Duration, period: Duration) {
        let permille = (took.as_secs_f64() / period.as_secs_f64() * 1000.0) as u32;
        self.meters
            .load_permille
            .fetch_max(permille, Ordering::Relaxed);
    }
}

/// A playing output. Main thread.
pub struct Playback {
    stop: Arc<AtomicBool>,
    finished: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    recorder: Option<recorder::RecorderThread>,
    #[cfg(feature = "device")]
    device: Option<device::DeviceStream>,
}

impl std::fmt::Debug for Playback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Playback")
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

/// Starts `processor` on `output`; it plays until [`Playback::stop`], or for `duration`
/// seconds of output when given.
///
/// # Errors
/// The recording cannot be created, the device cannot be opened, or the output needs a
/// feature this build lacks.
pub fn play(
    processor: LiveProcessor,
    output: &Output,
    duration: Option<f64>,
) -> Result<Playback, LiveError> {
    output.check()?;
    let meters = processor.meters();
    let rate = processor.sample_rate();
    let max_frames = duration.map(|d| (d * f64::from(rate)).round().max(0.0) as u64);
    let stop = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let timing = Timing {
        meters: Arc::clone(&meters),
    };
    let mut playback = Playback {
        stop: Arc::clone(&stop),
        finished: Arc::clone(&finished),
        thread: None,
        recorder: None,
        #[cfg(feature = "device")]
        device: None,
    };
    match output {
        Output::Null | Output::File(_) => {
            let recorder = match output {
                Output::File(path) => {
                    let (rec, thread) = recorder::start(path, rate, meters)?;
                    playback.recorder = Some(thread);
                    Some(rec)
                }
                _ => None,
            };
            playback.thread = Some(paced::spawn(
                processor, recorder, rate, max_frames, stop, finished, timing,
            )?);
        }
        #[cfg(feature = "device")]
        Output::Device(_) | Output::Jack => {
            playback.device = Some(device::DeviceStream::open(
                processor, output, max_frames, finished, timing,
            )?);
        }
        #[cfg(not(feature = "device"))]
        Output::Device(_) | Output::Jack => unreachable!("refused by Output::check"),
    }
    Ok(playback)
}

impl Playback {
    /// Whether the output has played its `duration`.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// Stops the output and finishes the recording; returns its path for `file:`.
    ///
    /// # Errors
    /// The recording could not be completed.
    pub fn stop(mut self) -> Result<Option<PathBuf>, LiveError> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join()
                .map_err(|_| LiveError::Thread("the audio thread panicked".into()))?;
        }
        #[cfg(feature = "device")]
        drop(self.device.take());
        self.recorder
            .take()
            .map(recorder::RecorderThread::finish)
            .transpose()
    }
}
