"""S3 scan benchmark against moto: requests per file, LIST and GET counts, through a counting
proxy, so the figures come from the wire, not from glueprint's own statistics.

Usage: python3 bench/s3.py LAKE_DIR GLUEPRINT_BINARY
"""

import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

COUNTS = Counter()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proxy_to(upstream_port):
    class Proxy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if self.command == "GET" and "list-type=2" in self.path:
                COUNTS["LIST"] += 1
            elif self.command == "GET":
                COUNTS["GET"] += 1
            else:
                COUNTS[self.command] += 1
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port)
            upstream.request(self.command, self.path, body=body, headers=dict(self.headers))
            answer = upstream.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = forward

    return Proxy


def main():
    lake, binary = sys.argv[1], os.path.abspath(sys.argv[2])
    moto_port, proxy_port = free_port(), free_port()
    moto = subprocess.Popen(
        ["moto_server", "-H", "127.0.0.1", "-p", str(moto_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", moto_port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", proxy_port), proxy_to(moto_port))
        threading.Thread(target=server.serve_forever, daemon=True).start()

        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{moto_port}",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            region_name="us-east-1",
        )
        s3.create_bucket(Bucket="bench")
        files = 0
        for root, _, names in os.walk(lake):
            for name in names:
                path = os.path.join(root, name)
                key = "lake/" + os.path.relpath(path, lake)
                s3.upload_file(path, "bench", key)
                files += 1

        env = dict(
            os.environ,
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_REGION="us-east-1",
            AWS_ENDPOINT_URL_S3=f"http://127.0.0.1:{proxy_port}",
            AWS_EC2_METADATA_DISABLED="true",
        )
        COUNTS.clear()
        started = time.perf_counter()
        out = subprocess.run(
            [binary, "scan", "s3://bench/lake/", "--format", "json", "--no-cache"],
            env=env,
            capture_output=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        if out.returncode not in (0, 2):
            sys.exit(f"glueprint failed: {out.stderr.decode()}")
        stats = json.loads(out.stdout)["stats"]
        print(
            f"S3 (moto, {files} files): {seconds:.2f} s, {files / seconds:,.0f} files/s; "
            f"on the wire: LIST {COUNTS['LIST']}, GET {COUNTS['GET']} "
            f"({COUNTS['GET'] / files:.2f} per file), HEAD {COUNTS['HEAD']}; "
            f"{stats['bytes_read'] / files:,.0f} bytes read per file"
        )
    finally:
        moto.terminate()
        moto.wait()


if __name__ == "__main__":
    main()
