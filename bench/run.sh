#!/usr/bin/env bash
# stemkit against sox, ecasound and ffmpeg on the same 40-track session, in one run,
# alternating tools round by round (issue 7). Documented in docs/PERFORMANCE.md.
#
#   bench/run.sh [--rounds N] [--long] [--skip-peers]
#
#   (a) sum every track to one stereo 24-bit file
#       stemkit: render session-sum.toml --mix-only  (one stem holding every track)
#       peers:   sox -M ... remix, ecasound mixmode sum, ffmpeg amix
#   (b) six stems plus the mix
#       stemkit: render session-plain.toml
#       peers:   sox (6 x -M remix, then -m), ecasound (loop devices), ffmpeg (amix + asplit)
#   (c) six processed stems (HP + bell EQ + 2:1 compressor + saturation) with a reverb send
#       stemkit: render session-processed.toml, with --threads 2 and --threads 1
#       peer:    ffmpeg (highpass, equalizer, acompressor, asoftclip, afir reverb send)
#   --long: peak RSS of (b) at 240 s and 960 s (each source repeated four times with sox).
#
# Every stemkit figure includes its read-back of every file (checksums, loudness, true
# peak, null test). Prints, per tool and workload, the median over the rounds of wall
# time, CPU time (user + sys), peak RSS and x real time, and stemkit's speed-up over
# each peer (peer wall / stemkit wall). Needs: python3 with numpy and soundfile, sox,
# ecasound, ffmpeg, espeak-ng, GNU time (installed with apt-get when missing).
#
# Environment: SESSION_DIR (default /tmp/stemsession/full), WORK (default
# /tmp/stemkit-bench), SHARED_BENCH (default ../shared/bench beside the work tree).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rounds=3
long=0
peers=1
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --long) long=1; shift ;;
    --skip-peers) peers=0; shift ;;
    *) echo "usage: bench/run.sh [--rounds N] [--long] [--skip-peers]" >&2; exit 2 ;;
  esac
done
sess=${SESSION_DIR:-/tmp/stemsession/full}
work=${WORK:-/tmp/stemkit-bench}
shared=${SHARED_BENCH:-$root/../shared/bench}
[ -d "$shared" ] || shared=/work/shared/bench
mkdir -p "$work"

need=()
for t in sox ecasound ffmpeg espeak-ng; do command -v "$t" >/dev/null || need+=("$t"); done
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "building stemkit (release)" >&2
cargo build --release -q -p stemkit
bin=$root/target/release/stemkit

# The session: the shared generator's 40 tracks, 240 s, 48 kHz / 24-bit.
if [ ! -f "$sess/session-processed.toml" ]; then
  echo "generating the bench session in $sess (about 2 GB, a minute or two)" >&2
  python3 "$shared/gen.py" --out "$sess" --seconds 240 >&2
  python3 "$shared/to_session.py" "$sess" >&2
fi
cmds=$work/peer-cmds
if [ ! -f "$cmds/b1_sox_M_remix.sh" ] || ! grep -q "$sess/" "$cmds/b1_sox_M_remix.sh"; then
  python3 "$shared/workloads.py" "$sess" "$work/peer-out" "$cmds" >&2
fi
# (a) for stemkit: the same tracks, every one in a single stereo stem.
python3 - "$sess" <<'PY'
import re, sys
from pathlib import Path
d = Path(sys.argv[1])
text = (d / "session-plain.toml").read_text()
head, _, rest = text.partition("[[track]]")
tracks = "[[track]]" + rest.split("[[stem]]")[0]
tracks = re.sub(r'(?m)^stem = ".*"$', 'stem = "Sum"', tracks)
(d / "session-sum.toml").write_text(head + tracks + '[[stem]]\nname = "Sum"\nchannels = 2\n')
PY
seconds=$(python3 -c "import json; print(json.load(open('$sess/session.json'))['seconds'])")

results=$work/results.tsv
: >"$results"
measure() { # workload tool command...
  local workload=$1 tool=$2; shift 2
  rm -rf "$work/out" "$work/peer-out"
  sync
  if ! /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt"; then
    echo "FAILED: $workload $tool" >&2; cat "$work/err.txt" >&2; return 1
  fi
  read -r wall user sys rss <"$work/time.txt"
  printf '%s\t%s\t%s\t%s\t%s\n' "$workload" "$tool" "$wall" "$(echo "$user + $sys" | bc)" "$rss" >>"$results"
  printf '  %-3s %-28s wall %7.2f s  cpu %7.2f s  rss %7.1f MB\n' "$workload" "$tool" "$wall" \
    "$(echo "$user + $sys" | bc)" "$(echo "scale=1; $rss / 1024" | bc)" >&2
}

echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(date -u +%FT%TZ)" >&2
for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds" >&2
  measure a "stemkit --mix-only" "$bin" render "$sess/session-sum.toml" --out "$work/out" --quiet --mix-only
  if [ $peers = 1 ]; then
    measure a "sox -M remix" bash "$cmds/b1_sox_M_remix.sh"
    measure a "ecasound sum" bash "$cmds/b4_ecasound_sum.sh"
    measure a "ffmpeg amix" bash "$cmds/b3_ffmpeg_amix.sh"
  fi
  measure b "stemkit" "$bin" render "$sess/session-plain.toml" --out "$work/out" --quiet
  if [ $peers = 1 ]; then
    measure b "sox 7 runs" bash "$cmds/c4_sox_stems.sh"
    measure b "ecasound loop" bash "$cmds/c2_ecasound_loop.sh"
    measure b "ffmpeg amix+asplit" bash "$cmds/c1_ffmpeg_stems.sh"
  fi
  measure c "stemkit" "$bin" render "$sess/session-processed.toml" --out "$work/out" --quiet
  measure c "stemkit --threads 1" "$bin" render "$sess/session-processed.toml" --out "$work/out" --quiet --threads 1
  if [ $peers = 1 ]; then
    measure c "ffmpeg afir" bash "$cmds/d1_ffmpeg_proc_afir.sh"
  fi
done

if [ $long = 1 ]; then
  long_dir=$work/session-960
  if [ ! -f "$long_dir/session-plain.toml" ]; then
    echo "building the 960 s session in $long_dir (each source four times, about 8 GB)" >&2
    mkdir -p "$long_dir"
    for f in "$sess"/[0-9]*.wav; do
      sox "$f" "$f" "$f" "$f" "$long_dir/$(basename "$f")"
    done
    sed 's/^name = "bench-240s"/name = "bench-960s"/' "$sess/session-plain.toml" >"$long_dir/session-plain.toml"
  fi
  measure rss "stemkit 240 s" "$bin" render "$sess/session-plain.toml" --out "$work/out" --quiet
  measure rss "stemkit 960 s" "$bin" render "$long_dir/session-plain.toml" --out "$work/out" --quiet
fi

python3 - "$results" "$seconds" <<'PY'
import sys, statistics
from collections import defaultdict
rows = defaultdict(list)
for line in open(sys.argv[1]):
    w, tool, wall, cpu, rss = line.rstrip("\n").split("\t")
    rows[(w, tool)].append((float(wall), float(cpu), int(rss)))
secs = float(sys.argv[2])
med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in rows.items()}
print(f"{'':3} {'tool':28} {'wall s':>8} {'cpu s':>8} {'RSS MB':>8} {'x real':>8} {'speed-up':>9}")
for w in sorted({k[0] for k in med}):
    sk = [k for k in med if k[0] == w and k[1].startswith("stemkit")]
    base = med[sk[0]][0] if sk else None
    for k in [k for k in med if k[0] == w]:
        wall, cpu, rss = med[k]
        ratio = "" if k[1].startswith("stemkit") or base is None else f"{wall / base:8.2f}x"
        real = secs * (4 if "960" in k[1] else 1) / wall
        print(f"{w:3} {k[1]:28} {wall:8.2f} {cpu:8.2f} {rss / 1024:8.1f} {real:8.1f} {ratio:>9}")
print(f"(median of {max(len(v) for v in rows.values())} rounds; speed-up = peer wall / stemkit wall of the same workload)")
PY
