#!/usr/bin/env bash
# Scan benchmark: generates a CleverTap-like lake with the project's own generator, then measures
# `glueprint scan` on it with a warm page cache, beside a read-only floor and, when installed,
# pyarrow and DuckDB doing the same job; then a 1,000-file lake in moto's S3, counting requests
# on the wire; then ~7,000 files over 40 tables behind an S3 endpoint with real-world latency.
# Usage: bench/run.sh [FILES]   (FILES = events x 250 days; default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."

files=${1:-10000}
days=250
events=$(( (files + days - 1) / days ))
lake="target/bench/lake-${events}x${days}"

cargo build --release --quiet --bin glueprint --example synth_lake --example latency_s3
if [ ! -d "$lake" ]; then
  echo "generating $lake ($events events x $days days)..."
  ./target/release/examples/synth_lake "$lake.tmp" "$events" "$days"
  mv "$lake.tmp" "$lake"
fi
# DuckDB and pyarrow run beside glueprint when the Python running the bench has them:
# BENCH_PYTHON, else the test suite's SQL venv (DuckDB, pinned in tests/venvs/sql.txt), else python3.
python=${BENCH_PYTHON:-python3}
if [ -z "${BENCH_PYTHON:-}" ] && [ -x target/sql-venv/bin/python ]; then
  python=target/sql-venv/bin/python
fi
"$python" bench/measure.py "$lake" ./target/release/glueprint

# A smaller lake in moto's S3 (when moto and boto3 are installed): requests on the wire.
if command -v moto_server >/dev/null 2>&1 && python3 -c "import boto3" 2>/dev/null; then
  s3_lake="target/bench/lake-4x250"
  if [ ! -d "$s3_lake" ]; then
    ./target/release/examples/synth_lake "$s3_lake.tmp" 4 250
    mv "$s3_lake.tmp" "$s3_lake"
  fi
  python3 bench/s3.py "$s3_lake" ./target/release/glueprint
else
  echo "S3: moto_server or boto3 not installed, skipped"
fi

# S3 at real-world latency (20 ms + an exponential tail of mean 10 ms per GET, 60 ms per listing
# page), from a small endpoint of the bench's own: how busy the read slots stay, on ~7,000
# files over 40 tables, then on 100,000 objects (the same files served 14 times over), where
# listing must keep up with the reads. awswrangler runs beside it when BENCH_PYTHON (or
# python3) can import it.
latency_lake="target/bench/lake-40x175"
if [ ! -d "$latency_lake" ]; then
  ./target/release/examples/synth_lake "$latency_lake.tmp" 40 175
  mv "$latency_lake.tmp" "$latency_lake"
fi
endpoint=./target/release/examples/latency_s3
python3 bench/latency_s3.py "$endpoint" "$latency_lake" ./target/release/glueprint 16 64 128 256
python3 bench/latency_s3.py "$endpoint" "$latency_lake" ./target/release/glueprint --copies 14 --skip-awswrangler 64 256
