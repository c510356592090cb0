//! A WAV block write allocates nothing once the writer has seen a block of that size
//! (its interleave buffer is reused and the `BufWriter` is sized at creation).

use assert_no_alloc::{AllocDisabler, assert_no_alloc, reset_violation_count, violation_count};
use stemkit_io::{SampleFormat, WavSpec, WavWriter};

#[global_allocator]
static ALLOC: AllocDisabler = AllocDisabler;

#[test]
fn steady_state_block_writes_do_not_allocate() {
    let dir = tempfile::tempdir().unwrap();
    for format in [
        SampleFormat::Int16,
        SampleFormat::Int24,
        SampleFormat::Float32,
    ] {
        let path = dir.path().join(format!("{format:?}.wav"));
        let mut w = WavWriter::create(
            &path,
            WavSpec {
                sample_rate: 48_000,
                channels: 2,
                format,
            },
        )
        .unwrap();
        let ints = vec![123i32; 4096];
        let floats = vec![0.25f32; 4096];
        let write = |w: &mut WavWriter| match format {
            SampleFormat::Float32 => w.write_float(&[&floats, &floats]),
            _ => w.write_int(&[&ints, &ints]),
        };
        write(&mut w).unwrap(); // first block sizes the interleave buffer
        reset_violation_count();
        assert_no_alloc(|| {
            for _ in 0..50 {
                write(&mut w).unwrap();
            }
        });
        assert_eq!(violation_count(), 0, "{format:?}: block writes allocated");
        // The check itself can fail: an allocation inside is counted.
        assert_no_alloc(|| drop(vec![0u8; 16]));
        assert!(violation_count() > 0);
        w.finish().unwrap().commit().unwrap();
    }
}
