"""S3 at real-world latency: a small S3-compatible endpoint over a local lake folder that adds
latency to every request (a fixed part plus an exponential tail per GET, a fixed time per
listing page), to measure how well `glueprint scan` keeps its read slots busy. moto is far too
slow for this: here the endpoint only sleeps.

Usage: python3 bench/latency_s3.py LAKE_DIR GLUEPRINT_BINARY [CONCURRENCY ...]

Prints, per concurrency: files/s, the bound (concurrency / mean GET latency), the share of the
bound reached, requests by kind and the peak of open connections.
"""

import hashlib
import http.server
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from email.utils import formatdate
from xml.sax.saxutils import escape

GET_FIXED = 0.020
GET_TAIL_MEAN = 0.010
LIST_PAGE = 0.060
PAGE_SIZE = 1000
BUCKET = "lake"

COUNTS = Counter()
CONNECTIONS = {"open": 0, "peak": 0}
LOCK = threading.Lock()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def index(root):
    """Every file below root as (key, size), sorted like S3 lists them."""
    keys = []
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            keys.append((os.path.relpath(path, root).replace(os.sep, "/"), os.path.getsize(path)))
    keys.sort()
    return keys


def handler(root, keys):
    modified = formatdate(usegmt=True)

    class Endpoint(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def setup(self):
            super().setup()
            # Headers and body leave in two writes: without this, Nagle's algorithm and delayed
            # ACKs add 40 ms to every answer.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with LOCK:
                CONNECTIONS["open"] += 1
                CONNECTIONS["peak"] = max(CONNECTIONS["peak"], CONNECTIONS["open"])

        def finish(self):
            with LOCK:
                CONNECTIONS["open"] -= 1
            super().finish()

        def answer(self, status, body, headers=()):
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self):
            with LOCK:
                COUNTS["HEAD"] += 1
            self.answer(405, b"")

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            if "list-type" in query:
                with LOCK:
                    COUNTS["LIST"] += 1
                time.sleep(LIST_PAGE)
                self.list(query)
                return
            with LOCK:
                COUNTS["GET"] += 1
            time.sleep(GET_FIXED + random.expovariate(1 / GET_TAIL_MEAN))
            key = urllib.parse.unquote(url.path[len(BUCKET) + 2 :])
            path = os.path.join(root, key)
            with open(path, "rb") as f:
                data = f.read()
            size = len(data)
            status, headers = 200, []
            ranged = self.headers.get("Range")
            if ranged:
                first, last = ranged.split("=")[1].split("-")
                first, last = int(first or 0), int(last) if last else size - 1
                data = data[first : last + 1]
                status = 206
                headers.append(("Content-Range", f"bytes {first}-{first + len(data) - 1}/{size}"))
            headers += [
                ("ETag", '"' + hashlib.md5(key.encode()).hexdigest() + '"'),
                ("Last-Modified", modified),
            ]
            self.answer(status, data, headers)

        def list(self, query):
            prefix = query.get("prefix", [""])[0]
            delimiter = query.get("delimiter", [""])[0]
            entries = listing(prefix, delimiter)
            start = int(query.get("continuation-token", ["0"])[0])
            page = entries[start : start + PAGE_SIZE]
            truncated = start + PAGE_SIZE < len(entries)
            xml = ["<ListBucketResult>", f"<Name>{BUCKET}</Name>", f"<Prefix>{escape(prefix)}</Prefix>"]
            xml.append(f"<KeyCount>{len(page)}</KeyCount><MaxKeys>{PAGE_SIZE}</MaxKeys>")
            xml.append(f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>")
            if truncated:
                xml.append(f"<NextContinuationToken>{start + PAGE_SIZE}</NextContinuationToken>")
            for key, size in page:
                if size is None:
                    xml.append(f"<CommonPrefixes><Prefix>{escape(key)}</Prefix></CommonPrefixes>")
                else:
                    xml.append(
                        f"<Contents><Key>{escape(key)}</Key><LastModified>2020-09-19T00:00:00.000Z"
                        f"</LastModified><ETag>\"{hashlib.md5(key.encode()).hexdigest()}\"</ETag>"
                        f"<Size>{size}</Size><StorageClass>STANDARD</StorageClass></Contents>"
                    )
            xml.append("</ListBucketResult>")
            self.answer(200, "".join(xml).encode(), [("Content-Type", "application/xml")])

    cache = {}

    def listing(prefix, delimiter):
        """Keys (with sizes) and common prefixes (size None) below prefix, in S3's order."""
        if (prefix, delimiter) not in cache:
            entries, seen = [], set()
            for key, size in keys:
                if not key.startswith(prefix):
                    continue
                rest = key[len(prefix) :]
                if delimiter and delimiter in rest:
                    common = prefix + rest.split(delimiter)[0] + delimiter
                    if common not in seen:
                        seen.add(common)
                        entries.append((common, None))
                else:
                    entries.append((key, size))
            cache[(prefix, delimiter)] = entries
        return cache[(prefix, delimiter)]

    return Endpoint


class Server(http.server.ThreadingHTTPServer):
    # The listen backlog must hold a burst of new connections, or SYNs are dropped and each
    # one waits a second for its retransmission.
    request_queue_size = 1024
    daemon_threads = True


def main():
    lake, binary = sys.argv[1], sys.argv[2]
    concurrencies = [int(c) for c in sys.argv[3:]] or [64, 256]
    keys = index(lake)
    server = Server(("127.0.0.1", free_port()), handler(lake, keys))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_REGION="us-east-1",
        AWS_ENDPOINT_URL=endpoint,
        AWS_EC2_METADATA_DISABLED="true",
    )
    mean = GET_FIXED + GET_TAIL_MEAN
    print(
        f"S3 at latency: {len(keys)} objects, GET {GET_FIXED * 1000:.0f} ms + exponential tail "
        f"of mean {GET_TAIL_MEAN * 1000:.0f} ms, {LIST_PAGE * 1000:.0f} ms per listing page"
    )
    for concurrency in concurrencies:
        COUNTS.clear()
        CONNECTIONS["peak"] = CONNECTIONS["open"]
        started = time.monotonic()
        output = subprocess.run(
            [binary, "scan", f"s3://{BUCKET}/", "--no-cache", "--format", "json",
             "--concurrency", str(concurrency)],
            env=env, capture_output=True, text=True,
        )
        elapsed = time.monotonic() - started
        if output.returncode not in (0, 2):
            print(output.stderr, file=sys.stderr)
            sys.exit(1)
        files = json.loads(output.stdout)["stats"]["files_read"]
        bound = concurrency / mean
        rate = files / elapsed
        print(
            f"  concurrency {concurrency}: {files} files in {elapsed:.2f} s = {rate:,.0f} files/s, "
            f"{rate / bound:.0%} of the bound {bound:,.0f}; requests {dict(sorted(COUNTS.items()))}, "
            f"peak connections {CONNECTIONS['peak']}"
        )
    server.shutdown()


if __name__ == "__main__":
    main()
