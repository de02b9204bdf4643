"""Measures one lake scan: glueprint, the read-only floor, and peers when installed.

Prints files/s, bytes and requests per file, and peak RSS; every figure comes from this run.
"""

import glob
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

RUNS = 3


def files_of(lake):
    return sorted(glob.glob(os.path.join(lake, "*", "**", "*.parquet"), recursive=True))


def best_of(runs, job):
    """Runs `job` `runs` times and returns the fastest (seconds, result)."""
    best = None
    for _ in range(runs):
        started = time.perf_counter()
        result = job()
        elapsed = time.perf_counter() - started
        if best is None or elapsed < best[0]:
            best = (elapsed, result)
    return best


def glueprint(lake, binary, *flags):
    def job():
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(
            [binary, "scan", lake, "--format", "json", *flags], check=False, capture_output=True
        )
        if out.returncode not in (0, 2):
            sys.exit(f"glueprint failed: {out.stderr.decode()}")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # The scan's own CPU time (user + system), from the children's rusage.
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return json.loads(out.stdout)["stats"], max(after.ru_maxrss, before.ru_maxrss), cpu

    seconds, (stats, peak_kib, cpu) = best_of(RUNS, job)
    return seconds, stats, peak_kib, cpu


def floor(lake):
    """Listing the lake and reading the last 64 KiB of every file, one thread: no parsing."""
    for path in files_of(lake):
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            f.seek(max(0, size - 65536))
            f.read(65536)


def pyarrow_peer(lake):
    import pyarrow.parquet as pq
    import pyarrow

    for table in sorted(os.listdir(lake)):
        schemas = [pq.read_schema(p) for p in files_of(os.path.join(lake, table))]
        pyarrow.unify_schemas(schemas, promote_options="permissive")


def duckdb_peer(lake):
    import duckdb

    con = duckdb.connect()
    for table in sorted(os.listdir(lake)):
        pattern = os.path.join(lake, table, "**", "*.parquet")
        con.execute(
            f"DESCRIBE SELECT * FROM read_parquet('{pattern}', union_by_name=true, hive_partitioning=true)"
        ).fetchall()


def main():
    lake, binary = sys.argv[1], sys.argv[2]
    paths = files_of(lake)
    n = len(paths)
    floor(lake)  # warm the page cache
    print(f"lake: {lake} ({n} files)")

    seconds, stats, peak_kib, cpu = glueprint(lake, binary, "--no-cache")
    rate = n / seconds
    print(
        f"glueprint (every footer read): {seconds:.3f} s, {rate:,.0f} files/s, "
        f"CPU {cpu / n * 1000:.3f} ms/file, "
        f"{stats['bytes_read'] / n:,.0f} bytes/file, {stats['requests'] / n:.2f} requests/file, "
        f"peak RSS {peak_kib / 1024:.1f} MiB"
    )
    with tempfile.TemporaryDirectory() as state:
        cache = os.path.join(state, "footers.db")
        glueprint(lake, binary, "--cache-path", cache)
        cached_seconds, cached_stats, _, _ = glueprint(lake, binary, "--cache-path", cache)
    print(
        f"glueprint re-scan with the footer cache: {cached_seconds:.3f} s, "
        f"{n / cached_seconds:,.0f} files/s, {cached_stats['requests']} requests"
    )

    floor_seconds, _ = best_of(RUNS, lambda: floor(lake))
    print(f"read-only floor (python: list, then read the 64 KiB tail of each file): {n / floor_seconds:,.0f} files/s "
          f"(glueprint at {rate / (n / floor_seconds):.2f}x of it)")

    for name, peer in (("pyarrow", pyarrow_peer), ("duckdb", duckdb_peer)):
        try:
            __import__(name)
        except ImportError:
            print(f"{name}: not installed, skipped")
            continue
        peer_seconds, _ = best_of(1, lambda: peer(lake))
        print(f"{name}: {n / peer_seconds:,.0f} files/s (glueprint {peer_seconds / seconds:.2f}x faster)")


if __name__ == "__main__":
    main()
