#!/usr/bin/env python3
"""Cost of stemkit's saturation, reverb and delay next to pedalboard's Distortion, Reverb
and Delay, in ns per sample per channel, measured in one run on this machine.

    python3 bench/effects_vs_pedalboard.py      (needs: pip install pedalboard numpy)

stemkit's figures come from `cargo bench -p stemkit-dsp --bench processors` (stereo noise,
48 kHz, 512-frame blocks, median of 15 runs); pedalboard's from the same material in
512-frame chunks, median of 15 runs. The processors are not equivalent in quality:
pedalboard's Distortion is a tanh without oversampling (it aliases), its Reverb is
JUCE's Freeverb (8 combs and 4 allpasses per channel), its Delay has no loop filters.
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pedalboard

RATE = 48_000
BLOCK = 512
BLOCKS = 94
RUNS = 15

# stemkit bench label -> (pedalboard plugin, label)
PAIRS = {
    "saturation tape": (lambda: pedalboard.Distortion(drive_db=12.0), "Distortion (tanh, 1x)"),
    "saturation clip": (lambda: pedalboard.Clipping(threshold_db=-12.0), "Clipping (1x)"),
    "reverb": (lambda: pedalboard.Reverb(room_size=0.6), "Reverb (Freeverb)"),
    "delay (filters, pp)": (lambda: pedalboard.Delay(delay_seconds=0.375, feedback=0.5), "Delay"),
}


def pedalboard_ns(make) -> float:
    rng = np.random.default_rng(1)
    audio = (rng.random((2, BLOCK * BLOCKS), dtype=np.float32) - 0.5) * 1.6
    plugin = make()
    times = []
    for _ in range(RUNS):
        plugin.reset()
        start = time.perf_counter()
        for b in range(BLOCKS):
            plugin.process(audio[:, b * BLOCK:(b + 1) * BLOCK], RATE, reset=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e9 / (BLOCK * BLOCKS * 2)


def strongest_alias_db(plugin) -> tuple:
    """The test signal of tests/saturation.rs: full-scale 5 kHz sine, 48 kHz; the strongest
    component of the last second that is not DC or a harmonic, relative to the fundamental
    (4-term Blackman-Harris window)."""
    t = np.arange(2 * RATE) / RATE
    x = np.sin(2 * np.pi * 5000 * t).astype(np.float32)
    y = plugin.process(x[None, :], RATE)[0][-RATE:].astype(np.float64)
    n = np.arange(RATE)
    w = 0.35875 - 0.48829 * np.cos(2 * np.pi * n / RATE) + 0.14128 * np.cos(4 * np.pi * n / RATE) \
        - 0.01168 * np.cos(6 * np.pi * n / RATE)
    mag = np.abs(np.fft.rfft(y * w))
    db = 20 * np.log10(mag / mag[5000] + 1e-30)
    keep = np.ones(len(db), bool)
    keep[:20] = False
    for k in range(1, 5):
        keep[k * 5000 - 8:k * 5000 + 9] = False
    worst = int(np.argmax(np.where(keep, db, -400.0)))
    return worst, db[worst]


def stemkit_ns() -> dict:
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        ["cargo", "bench", "-q", "-p", "stemkit-dsp", "--bench", "processors"],
        cwd=root, check=True, capture_output=True, text=True,
    ).stdout
    figures = {}
    for line in out.splitlines():
        label, _, value = line.rpartition(" ")
        try:
            figures[label.strip()] = float(value)
        except ValueError:
            pass
    return figures


def main() -> int:
    ours = stemkit_ns()
    print(f"{'stemkit':<22} {'ns/sample/ch':>12}   {'pedalboard ' + pedalboard.__version__:<24} {'ns/sample/ch':>12}")
    for label, (make, theirs) in PAIRS.items():
        print(f"{label:<22} {ours[label]:>12.2f}   {theirs:<24} {pedalboard_ns(make):>12.2f}")
    print()
    for name, plugin in [
        ("Distortion, drive 18 dB", pedalboard.Distortion(drive_db=18.0)),
        ("Clipping, threshold -18 dB", pedalboard.Clipping(threshold_db=-18.0)),
    ]:
        hz, level = strongest_alias_db(plugin)
        print(f"pedalboard {name}: strongest alias {level:.1f} dB at {hz} Hz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
