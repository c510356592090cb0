//! A sound card (`device[:NAME]`) or JACK (`jack`) through cpal, with a fixed buffer size.
//!
//! The callback renders whole processor blocks into a one-block buffer and copies out
//! whatever frame count the host asks for, so the mix always runs on the block grid a
//! replay reproduces, even when a host ignores the fixed buffer size.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use stemkit_core::AudioBuffer;

use super::{Output, Timing};
use crate::{LiveError, LiveProcessor};

pub(super) struct DeviceStream {
    _stream: cpal::Stream,
}

fn host(output: &Output) -> Result<cpal::Host, LiveError> {
    match output {
        #[cfg(feature = "jack")]
        Output::Jack => cpal::host_from_id(cpal::HostId::Jack).map_err(|e| LiveError::Output(format!("JACK: {e}"))),
        #[cfg(not(feature = "jack"))]
        Output::Jack => Err(LiveError::Output(
            "JACK needs a build with the `jack` feature: cargo build --release --features stemkit-live/jack".into(),
        )),
        _ => Ok(cpal::default_host()),
    }
}

fn device(host: &cpal::Host, output: &Output) -> Result<cpal::Device, LiveError> {
    let err = |e: cpal::Error| LiveError::Output(e.to_string());
    match output {
        Output::Device(Some(name)) => {
            let mut names = Vec::new();
            for d in host.output_devices().map_err(err)? {
                let n = d
                    .description()
                    .map(|x| x.name().to_owned())
                    .unwrap_or_default();
                if &n == name {
                    return Ok(d);
                }
                names.push(n);
            }
            Err(LiveError::Output(format!(
                "no output device \"{name}\" (there are: {})",
                names.join(", ")
            )))
        }
        _ => host
            .default_output_device()
            .ok_or_else(|| LiveError::Output("no default output device".into())),
    }
}

impl DeviceStream {
    /// Main thread: opens the device at the session rate with the processor's block size
    /// and starts it.
    pub(super) fn open(
        mut processor: LiveProcessor,
        output: &Output,
        max_frames: Option<u64>,
        finished: Arc<AtomicBool>,
        mut timing: Timing,
    ) -> Result<Self, LiveError> {
        let err = |e: cpal::Error| LiveError::Output(e.to_string());
        let host = host(output)?;
        let device = device(&host, output)?;
        let channels = device
            .default_output_config()
            .map_err(err)?
            .channels()
            .max(1);
        let block = processor.block_size();
        let rate = processor.sample_rate();
        let config = cpal::StreamConfig {
            channels,
            sample_rate: rate,
            buffer_size: cpal::BufferSize::Fixed(block as u32),
        };
        let period = Duration::from_secs_f64(block as f64 / f64::from(rate));
        let mut rendered = AudioBuffer::new(2, block);
        let mut pos = block;
        let width = usize::from(channels);
        let stream = device
            .build_output_stream(
                config,
                move |data: &mut [f32], _: &cpal::OutputCallbackInfo| {
                    for frame in data.chunks_mut(width) {
                        if pos == block {
                            if max_frames.is_some_and(|m| processor.clock() >= m) {
                                finished.store(true, Ordering::Release);
                                rendered.clear();
                            } else {
                                let started = Instant::now();
                                processor.process(&mut rendered);
                                timing.record(started.elapsed(), period);
                            }
                            pos = 0;
                        }
                        let (l, r) = (rendered.channel(0)[pos], rendered.channel(1)[pos]);
                        match frame {
                            [mono] => *mono = 0.5 * (l + r),
                            [a, b, rest @ ..] => {
                                *a = l;
                                *b = r;
                                rest.fill(0.0);
                            }
                            [] => {}
                        }
                        pos += 1;
                    }
                },
                |e| eprintln!("audio output: {e}"),
                None,
            )
            .map_err(err)?;
        stream.play().map_err(err)?;
        Ok(Self { _stream: stream })
    }
}
