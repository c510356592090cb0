//! The oversampler's hot loops, run through [`stemkit_simd::best`] so they are built for
//! AVX-512 and AVX2 beside the baseline.
//!
//! Every build gives the same bits: each output is summed tap by tap in the same order
//! (mirror pairs, outermost first, then the unpaired taps) whatever the vector width, and
//! nothing uses `mul_add`. Only the number of outputs kept
//! in registers at once differs with the instruction set, which changes no result. Test
//! `wide_and_portable_agree` holds the builds equal.

use stemkit_simd::{Isa, Kernel};

use crate::fir::Taps;

/// `out[i] = Σ c · (buf[h + i − a] + buf[h + i − b])` over the pairs `(a, b, c)`, then
/// `+ c · buf[h + i − k]` over the single taps `(k, c)`, in order: a FIR whose history
/// (`h` samples) sits in front of the block in `buf`.
pub(crate) fn fir(taps: &Taps, buf: &[f32], h: usize, out: &mut [f32]) {
    stemkit_simd::best(Fir::<false> { taps, buf, h, out });
}

/// As [`fir`], adding onto what `out` holds: `out[i] += Σ ...`, the sum starting from
/// `out[i]` and taking the taps in order.
pub(crate) fn fir_add(taps: &Taps, buf: &[f32], h: usize, out: &mut [f32]) {
    stemkit_simd::best(Fir::<true> { taps, buf, h, out });
}

/// `u = tanh_f32(drive · u)`, plus `even · u²` when `even` is not zero, over a block.
pub(crate) fn shape(block: &mut [f32], drive: f32, even: f32) {
    stemkit_simd::best(Shape { block, drive, even });
}

struct Fir<'a, const ADD: bool> {
    taps: &'a Taps,
    buf: &'a [f32],
    h: usize,
    out: &'a mut [f32],
}

impl<const ADD: bool> Kernel for Fir<'_, ADD> {
    #[inline(always)]
    fn run(self, isa: Isa) {
        match isa {
            // Eight 4-wide accumulators in the sixteen SSE registers.
            Isa::Portable => fir_grouped::<32, ADD>(self.taps, self.buf, self.h, self.out),
            // Eight 8-wide or four 16-wide accumulators: groups stay 64 long so that
            // 64-frame live blocks fill them.
            Isa::Avx2 | Isa::Avx512 => {
                fir_grouped::<64, ADD>(self.taps, self.buf, self.h, self.out);
            }
        }
    }
}

struct Shape<'a> {
    block: &'a mut [f32],
    drive: f32,
    even: f32,
}

impl Kernel for Shape<'_> {
    #[inline(always)]
    fn run(self, _isa: Isa) {
        for u in self.block {
            let t = tanh_f32(self.drive * *u);
            *u = t + self.even * t * t;
        }
    }
}

/// Outputs are computed `LANES` at a time, each group summing tap after tap in registers
/// (the compiler vectorises across the group), so a pair of taps costs two loads, two adds
/// and a multiply per vector and nothing is stored until the group is done. `LANES` is
/// chosen so the group fills the vector registers of the instruction set without spilling.
#[inline(always)]
fn fir_grouped<const LANES: usize, const ADD: bool>(
    taps: &Taps,
    buf: &[f32],
    h: usize,
    out: &mut [f32],
) {
    let lanes = |at: usize| -> &[f32; LANES] {
        buf[at..at + LANES]
            .try_into()
            .expect("a group is LANES long")
    };
    let done = out.len() - out.len() % LANES;
    let mut groups = out.chunks_exact_mut(LANES);
    for (g, group) in groups.by_ref().enumerate() {
        let start = h + g * LANES;
        let mut acc = [0.0_f32; LANES];
        if ADD {
            acc.copy_from_slice(group);
        }
        for &(a, b, c) in &taps.pairs {
            let (x, y) = (lanes(start - a), lanes(start - b));
            for ((s, &u), &v) in acc.iter_mut().zip(x).zip(y) {
                *s += c * (u + v);
            }
        }
        for &(k, c) in &taps.singles {
            for (s, &v) in acc.iter_mut().zip(lanes(start - k)) {
                *s += c * v;
            }
        }
        group.copy_from_slice(&acc);
    }
    for (i, o) in groups.into_remainder().iter_mut().enumerate() {
        let at = h + done + i;
        let init = if ADD { *o } else { 0.0 };
        let paired = taps
            .pairs
            .iter()
            .fold(init, |s, &(a, b, c)| s + c * (buf[at - a] + buf[at - b]));
        *o = taps
            .singles
            .iter()
            .fold(paired, |s, &(k, c)| s + c * buf[at - k]);
    }
}

/// `tanh` in single precision: the [7/6] rational minimax approximation Eigen uses, on
/// `|x| ≤ 7.9053` (beyond which `tanh` rounds to ±1 in `f32`). Within 4.5e-7 of the true
/// value everywhere (test `fast_tanh_matches_the_library`), exactly odd (so tape adds no
/// DC), and free of branches and library calls so a loop over a block vectorises: eight
/// evaluations per base-rate sample cost less than one `exp` in `f64`.
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    const A: [f32; 7] = [
        4.893_524_6e-3,
        6.372_619_3e-4,
        1.485_722_4e-5,
        5.122_297e-8,
        -8.604_672e-11,
        2.000_188e-13,
        -2.760_768_5e-16,
    ];
    const B: [f32; 4] = [4.893_525e-3, 2.268_434_6e-3, 1.185_347_1e-4, 1.198_258_4e-6];
    let x = x.clamp(-7.905_311, 7.905_311);
    let x2 = x * x;
    let p = x
        * (A[0] + x2 * (A[1] + x2 * (A[2] + x2 * (A[3] + x2 * (A[4] + x2 * (A[5] + x2 * A[6]))))));
    let q = B[0] + x2 * (B[1] + x2 * (B[2] + x2 * B[3]));
    p / q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_tanh_matches_the_library() {
        // Every 1e-4 over ±12 (beyond the clamp too), against std's f64 tanh.
        let mut worst = 0.0_f64;
        for i in -120_000..=120_000 {
            let x = f64::from(i) * 1e-4;
            let y = f64::from(tanh_f32(x as f32));
            worst = worst.max((y - f64::from(x as f32).tanh()).abs());
            assert_eq!(tanh_f32(-(x as f32)), -tanh_f32(x as f32), "odd at {x}");
        }
        assert!(worst < 4.5e-7, "worst error {worst:e}");
        // Relative accuracy near zero, where a small signal lives.
        for x in [1e-8_f32, 1e-5, 1e-3, 0.1] {
            let rel = (f64::from(tanh_f32(x)) / f64::from(x).tanh() - 1.0).abs();
            assert!(rel < 4e-7, "{x}: relative error {rel:e}");
        }
    }

    /// The build the CPU runs against the portable one, bit for bit, over block sizes that
    /// leave every remainder (on a CPU with neither AVX2 nor AVX-512 both are the same).
    #[test]
    fn wide_and_portable_agree() {
        let x: Vec<f32> = (0..4096)
            .map(|i| ((i * 7919) % 1000) as f32 / 400.0 - 1.25)
            .collect();
        // Mirror pairs and a centre (a linear-phase filter), and an asymmetric one.
        let symmetric: Vec<f32> = (0..81)
            .map(|k| 0.37 / ((k as f32 - 40.0).abs() + 1.3))
            .collect();
        let skewed: Vec<f32> = (0..41).map(|k| 0.37 / (k as f32 + 1.3)).collect();
        for taps in [Taps::of(&symmetric), Taps::of(&skewed)] {
            wide_and_portable_agree_for(&x, &taps);
        }
    }

    fn wide_and_portable_agree_for(x: &[f32], taps: &Taps) {
        let h = 80;
        for n in [1, 31, 32, 63, 64, 65, 200, 1024] {
            let buf = &x[..h + n];
            for add in [false, true] {
                let mut portable = x[..n].to_vec();
                let mut wide = portable.clone();
                if add {
                    stemkit_simd::portable(Fir::<true> {
                        taps,
                        buf,
                        h,
                        out: &mut portable,
                    });
                    fir_add(taps, buf, h, &mut wide);
                } else {
                    stemkit_simd::portable(Fir::<false> {
                        taps,
                        buf,
                        h,
                        out: &mut portable,
                    });
                    fir(taps, buf, h, &mut wide);
                }
                assert_eq!(bits(&portable), bits(&wide), "fir (add {add}), n = {n}");
            }
            let mut a = x[..n].to_vec();
            stemkit_simd::portable(Shape {
                block: &mut a,
                drive: 3.7,
                even: 0.2,
            });
            let mut b = x[..n].to_vec();
            shape(&mut b, 3.7, 0.2);
            assert_eq!(bits(&a), bits(&b), "shape, n = {n}");
        }
        println!("wide build: {:?}", stemkit_simd::detected());
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }
}
