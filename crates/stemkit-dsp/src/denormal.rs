//! Keeping recursive state out of the subnormal range and away from NaN.
//!
//! A filter or envelope fed silence decays geometrically towards zero and eventually
//! lands on subnormal floats, which many CPUs process tens of times slower; a NaN or
//! infinity that entered the state would stay there forever. Both are cured by the same
//! per-block check, so no per-sample work is spent on them.

/// `x`, or 0 when `x` is NaN, infinite, or smaller in magnitude than `floor`.
///
/// `floor` is chosen per state far below anything audible (or measurable in dB) and far
/// above the subnormal range, so the flush changes nothing a listener or a meter sees.
#[inline]
pub(crate) fn flush(x: f64, floor: f64) -> f64 {
    if x.is_finite() && x.abs() >= floor {
        x
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::flush;

    #[test]
    fn keeps_normal_values_and_zeroes_the_rest() {
        assert_eq!(flush(0.5, 1e-20), 0.5);
        assert_eq!(flush(-1e-10, 1e-20), -1e-10);
        assert_eq!(flush(1e-25, 1e-20), 0.0);
        assert_eq!(flush(f64::NAN, 1e-20), 0.0);
        assert_eq!(flush(f64::NEG_INFINITY, 1e-20), 0.0);
    }
}
