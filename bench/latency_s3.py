"""S3 at real-world latency: `glueprint scan` against an S3-compatible endpoint that adds
latency to every request (20 ms plus an exponential tail of mean 10 ms per GET, 60 ms per
listing page of 1,000 keys): how busy the read slots stay. The endpoint is the bench's own
(examples/latency_s3.rs, one thread that only sleeps and copies bytes); moto is far too slow
to measure anything.

Usage: python3 bench/latency_s3.py ENDPOINT_BINARY LAKE_DIR GLUEPRINT_BINARY
           [--copies N] [--skip-awswrangler] [CONCURRENCY ...]

Prints, per concurrency: files/s, CPU time per file, the bound (concurrency / mean GET latency
of 30 ms), the share of the bound reached, requests by kind, the peak of open connections and
the mean number of GETs in flight (from the first GET to the last answer); then
awswrangler's read_parquet_metadata over the same endpoint when awswrangler is importable.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request

MEAN_GET = 0.030
BUCKET = "lake"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint_binary")
    parser.add_argument("lake")
    parser.add_argument("binary")
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--skip-awswrangler", action="store_true")
    parser.add_argument("concurrencies", type=int, nargs="*", default=[64, 256])
    args = parser.parse_intermixed_args()
    binary = args.binary
    server = subprocess.Popen(
        [args.endpoint_binary, args.lake, "--copies", str(args.copies)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        _, port, _, objects = server.stdout.readline().split()
        endpoint = f"http://127.0.0.1:{port}"
        env = dict(
            os.environ,
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_REGION="us-east-1",
            AWS_ENDPOINT_URL=endpoint,
            AWS_EC2_METADATA_DISABLED="true",
        )
        print(
            f"S3 at latency: {objects} objects, GET 20 ms + exponential tail of mean 10 ms, "
            f"60 ms per listing page"
        )
        for concurrency in args.concurrencies:
            urllib.request.urlopen(f"{endpoint}/__reset").read()
            started = time.monotonic()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            output = subprocess.run(
                [binary, "scan", f"s3://{BUCKET}/", "--no-cache", "--format", "json",
                 "--concurrency", str(concurrency)],
                env=env, capture_output=True, text=True,
            )
            elapsed = time.monotonic() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            # The scan's own CPU time (user + system); the endpoint is not a child.
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            if output.returncode not in (0, 2):
                print(output.stderr, file=sys.stderr)
                sys.exit(1)
            files = json.loads(output.stdout)["stats"]["files_read"]
            stats = json.loads(urllib.request.urlopen(f"{endpoint}/__stats").read())
            bound = concurrency / MEAN_GET
            rate = files / elapsed
            ideal = files / bound
            print(
                f"  glueprint, concurrency {concurrency}: {files} files in {elapsed:.2f} s = "
                f"{rate:,.0f} files/s, CPU {cpu / files * 1000:.3f} ms/file, "
                f"{rate / bound:.0%} of the bound {bound:,.0f} "
                f"({elapsed / ideal:.2f}x the ideal {ideal:.2f} s); GET {stats['GET']}, "
                f"HEAD {stats['HEAD']}, LIST {stats['LIST']}, peak connections "
                f"{stats['peak_connections']}, GETs in flight {stats['mean_gets_in_flight']:.0f} "
                f"on average ({stats['mean_gets_in_flight'] / concurrency:.0%} of the slots)"
            )
        if not args.skip_awswrangler:
            wrangler(endpoint, env, max(args.concurrencies))
    finally:
        server.terminate()


def wrangler(endpoint, env, threads):
    """awswrangler's read_parquet_metadata over the same lake, in a process of its own, with
    as many threads as glueprint's largest concurrency."""
    # One call per table (a dataset per folder, as glueprint reads them); a table whose files
    # pyarrow cannot unify (int32 in one file, int64 in another) fails the call.
    script = f"""
import time, awswrangler as wr
wr.config.s3_endpoint_url = "{endpoint}"
started = time.monotonic()
files = failed = 0
for table in wr.s3.list_directories("s3://{BUCKET}/"):
    try:
        wr.s3.read_parquet_metadata(path=table, dataset=True, use_threads={threads})
    except Exception:
        failed += 1
    files += len(wr.s3.list_objects(table))
print(time.monotonic() - started, files, failed)
"""
    python = os.environ.get("BENCH_PYTHON", sys.executable)
    probe = subprocess.run([python, "-c", "import awswrangler"], capture_output=True)
    if probe.returncode != 0:
        print("  awswrangler: not installed (BENCH_PYTHON=<python with awswrangler>), skipped")
        return
    urllib.request.urlopen(f"{endpoint}/__reset").read()
    output = subprocess.run([python, "-c", script], env=env, capture_output=True, text=True)
    if output.returncode != 0:
        print(f"  awswrangler failed: {output.stderr.strip().splitlines()[-1:]}")
        return
    elapsed, files, failed = output.stdout.strip().splitlines()[-1].split()
    elapsed, files = float(elapsed), int(files)
    stats = json.loads(urllib.request.urlopen(f"{endpoint}/__stats").read())
    print(
        f"  awswrangler read_parquet_metadata, one call per table, {threads} threads: {files} "
        f"files in "
        f"{elapsed:.2f} s = {files / elapsed:,.0f} files/s ({failed} table(s) failed to merge: "
        f"int32 and int64 files); GET {stats['GET']}, "
        f"HEAD {stats['HEAD']}, LIST {stats['LIST']}, peak connections "
        f"{stats['peak_connections']}"
    )


if __name__ == "__main__":
    main()
