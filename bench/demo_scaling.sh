#!/usr/bin/env bash
# Memory and speed of `stemkit demo` at two durations, and the render of the long session
# next to sox and ffmpeg summing the same tracks, all in one run on this machine.
#
#   bench/demo_scaling.sh [WORKDIR]        (needs: sox, ffmpeg, GNU time; release build)
#
# Prints one line per measurement: name, wall seconds, CPU seconds, peak RSS in MB.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/stemkit-bench}
bin=target/release/stemkit
cargo build --release -q
mkdir -p "$work"

measure() { # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt" || { cat "$work/err.txt"; exit 1; }
  read -r wall user sys rss <"$work/time.txt"
  printf '%-34s wall %7.2f s  cpu %7.2f s  peak RSS %7.1f MB\n' "$name" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "scale=1; $rss / 1024" | bc)"
}

for secs in 60 240; do
  rm -rf "$work/demo$secs"
  measure "demo --tracks 40 --seconds $secs" $bin demo --tracks 40 --seconds $secs --out "$work/demo$secs" --quiet
done

# The render alone, then peers summing the same 40 sources (mono sources on both channels)
# into one stereo file, alternating, three rounds.
session="$work/demo240/session.toml"
mapfile -t files < <(grep '^file = ' "$session" | sed 's/^file = "\(.*\)"/\1/')
inputs=(); remix_l=(); remix_r=(); ch=1
for f in "${files[@]}"; do
  p="$work/demo240/$f"; inputs+=("$p")
  n=$(soxi -c "$p")
  if [ "$n" = 1 ]; then remix_l+=("$ch"); remix_r+=("$ch"); ch=$((ch + 1))
  else remix_l+=("$ch"); remix_r+=("$((ch + 1))"); ch=$((ch + 2)); fi
done
join() { local IFS=,; echo "$*"; }
amix_inputs=(); for p in "${inputs[@]}"; do amix_inputs+=(-i "$p"); done
for round in 1 2 3; do
  rm -rf "$work/out"
  measure "[$round] stemkit render (40 tr, 240 s)" $bin render "$session" --out "$work/out" --quiet
  measure "[$round] sox -M ... remix (sum only)" sox -M "${inputs[@]}" -b 24 "$work/sox.wav" remix -m "$(join "${remix_l[@]}")" "$(join "${remix_r[@]}")"
  measure "[$round] ffmpeg amix (sum only)" ffmpeg -y -v error "${amix_inputs[@]}" -filter_complex "amix=inputs=${#inputs[@]}:normalize=0" -c:a pcm_s24le "$work/ffmpeg.wav"
done
