//! Runs a loop built for the best instruction set the CPU has.
//!
//! stemkit ships one binary for every x86-64 machine, so its hot loops are compiled for
//! the baseline instruction set (SSE2). [`best`] runs a [`Kernel`] compiled a second and a
//! third time with AVX2 or AVX-512 (F and DQ) enabled, when the CPU has them: the kernel's
//! `run` is inlined into a function carrying the target feature, so the compiler
//! vectorises the same Rust code for the wider registers.
//!
//! The builds must give the same bits, so a kernel must not use `mul_add` (Rust never
//! fuses a multiply and an add on its own, and no build enables FMA) and must sum in the
//! same order whatever [`Isa`] it is given; the `Isa` argument only lets it choose how much
//! work to keep in registers at once. Each user tests its kernels against [`portable`].
//!
//! This crate holds the workspace's only `unsafe`: calling a function compiled for AVX2 or
//! AVX-512 after `is_x86_feature_detected!` found the feature (the detection is cached by
//! the standard library, so on the audio thread it costs one relaxed atomic load).

/// The instruction set a kernel is being built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// The baseline: SSE2 on x86-64 (16 vector registers of 128 bits).
    Portable,
    /// AVX2 (16 registers of 256 bits).
    Avx2,
    /// AVX-512 F and DQ (32 registers of 512 bits, 64-bit integer multiplies).
    Avx512,
}

/// A loop to build for several instruction sets. Mark `run` `#[inline(always)]`: it is
/// compiled into each build only through inlining.
pub trait Kernel {
    /// Runs the loop; `isa` is a constant in each build.
    fn run(self, isa: Isa);
}

/// Runs `kernel` built for AVX-512 or AVX2 when the CPU has it, else the portable build.
pub fn best<K: Kernel>(kernel: K) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
        {
            // SAFETY: `run_avx512` needs nothing but AVX-512F and DQ, which the CPU has.
            #[allow(unsafe_code)]
            unsafe {
                run_avx512(kernel);
            }
            return;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: `run_avx2` needs nothing but AVX2, which the CPU has.
            #[allow(unsafe_code)]
            unsafe {
                run_avx2(kernel);
            }
            return;
        }
    }
    kernel.run(Isa::Portable);
}

/// Runs the portable build, whatever the CPU: the reference the wider builds are tested
/// against.
pub fn portable<K: Kernel>(kernel: K) {
    kernel.run(Isa::Portable);
}

/// The build [`best`] picks on this CPU.
#[must_use]
pub fn detected() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
        {
            return Isa::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return Isa::Avx2;
        }
    }
    Isa::Portable
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
fn run_avx512<K: Kernel>(kernel: K) {
    kernel.run(Isa::Avx512);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn run_avx2<K: Kernel>(kernel: K) {
    kernel.run(Isa::Avx2);
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sum<'a>(&'a [f32], &'a mut f32, &'a mut Option<Isa>);

    impl Kernel for Sum<'_> {
        #[inline(always)]
        fn run(self, isa: Isa) {
            *self.1 = self.0.iter().sum();
            *self.2 = Some(isa);
        }
    }

    #[test]
    fn best_runs_the_detected_build_with_the_portable_result() {
        let x: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
        let (mut a, mut b) = (0.0, 0.0);
        let (mut isa_a, mut isa_b) = (None, None);
        best(Sum(&x, &mut a, &mut isa_a));
        portable(Sum(&x, &mut b, &mut isa_b));
        assert_eq!(a.to_bits(), b.to_bits());
        assert_eq!(isa_a, Some(detected()));
        assert_eq!(isa_b, Some(Isa::Portable));
    }
}
