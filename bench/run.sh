#!/usr/bin/env bash
# Scan benchmark: generates a CleverTap-like lake with the project's own generator, then measures
# `glueprint scan` on it with a warm page cache, beside a read-only floor and, when installed,
# pyarrow and DuckDB doing the same job.
# Usage: bench/run.sh [FILES]   (FILES = events x 250 days; default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."

files=${1:-10000}
days=250
events=$(( (files + days - 1) / days ))
lake="target/bench/lake-${events}x${days}"

cargo build --release --quiet --bin glueprint --example synth_lake
if [ ! -d "$lake" ]; then
  echo "generating $lake ($events events x $days days)..."
  ./target/release/examples/synth_lake "$lake.tmp" "$events" "$days"
  mv "$lake.tmp" "$lake"
fi
python3 bench/measure.py "$lake" ./target/release/glueprint
