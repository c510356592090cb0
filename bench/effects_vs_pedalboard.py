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
    return 0


if __name__ == "__main__":
    sys.exit(main())
