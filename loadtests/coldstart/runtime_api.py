#!/usr/bin/env python3
"""A minimal local AWS Lambda Runtime API, enough to start a function binary and invoke it.

It serves the four calls a custom runtime makes (`lambda_runtime` makes no other):

    GET  /2018-06-01/runtime/invocation/next             the next event (long poll)
    POST /2018-06-01/runtime/invocation/{id}/response    the event's result
    POST /2018-06-01/runtime/invocation/{id}/error       the event's failure
    POST /2018-06-01/runtime/init/error                  the runtime could not start

`measure.py` drives it from the same process: `wait_next()` returns when the function first
(or next) asks for work, which is how init is timed; `invoke()` hands out one event and waits
for its result. Times are `time.perf_counter_ns()` taken in the request handlers, so the
driver's own scheduling is not counted.

Also here: `DeadEndpoint`, a TCP listener that accepts and at once closes every connection,
logging when each arrived. Pointed at as the AWS endpoint, it makes any AWS call fail fast
and shows whether a function opened a connection before its first request needed one.

Standalone, for trying a function by hand:

    python3 runtime_api.py --port 9001 events/pii/health.json
    AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 target/release/pii
"""

from __future__ import annotations

import argparse
import queue
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{name}"
DEADLINE_MS = 30_000


@dataclass
class Invocation:
    """One event handed to the function, and what came back."""

    request_id: str
    body: bytes
    sent_ns: int = 0
    done_ns: int = 0
    outcome: str = ""  # "response" or "error"
    result: bytes = b""
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def duration_ms(self) -> float:
        return (self.done_ns - self.sent_ns) / 1e6


class RuntimeApi:
    """The Runtime API on 127.0.0.1 (a free port unless one is given), for one function process
    at a time: make a new one per cold start, or keep it across warm invocations."""

    def __init__(self, function_name: str = "coffer", port: int = 0):
        self.function_name = function_name
        self._events: "queue.Queue[Optional[Invocation]]" = queue.Queue()
        self._pending: dict[str, Invocation] = {}
        self._lock = threading.Lock()
        self._polls: list[int] = []  # arrival times of GET /next
        self.first_poll_wall: Optional[float] = None  # time.time() of the first (for strace)
        self._poll_seen = threading.Condition(self._lock)
        self.init_error: Optional[bytes] = None
        self._closed = False
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real API

            def log_message(self, *_args):  # quiet: the driver prints what matters
                pass

            def _reply(self, status: int, body: bytes = b"", headers: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                if body:
                    self.wfile.write(body)
                self.wfile.flush()

            def _read_body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    self._reply(404, b'{"errorType":"NotFound"}')
                    return
                arrived = time.perf_counter_ns()
                with api._poll_seen:
                    if not api._polls:
                        api.first_poll_wall = time.time()
                    api._polls.append(arrived)
                    api._poll_seen.notify_all()
                invocation = api._take()
                if invocation is None:  # the API is shutting down
                    self.close_connection = True
                    self._reply(410, b'{"errorType":"Gone"}')
                    return
                headers = {
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + DEADLINE_MS),
                    "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN.format(
                        name=api.function_name
                    ),
                    "Lambda-Runtime-Trace-Id": _trace_id(),
                }
                invocation.sent_ns = time.perf_counter_ns()
                self._reply(200, invocation.body, headers)

            def do_POST(self):
                arrived = time.perf_counter_ns()
                body = self._read_body()
                path = self.path
                if path == f"{PREFIX}/init/error":
                    api.init_error = body or b"{}"
                    self._reply(202, b'{"status":"OK"}')
                    return
                parts = path[len(PREFIX) :].strip("/").split("/")
                if (
                    not path.startswith(PREFIX)
                    or len(parts) != 3
                    or parts[0] != "invocation"
                    or parts[2] not in ("response", "error")
                ):
                    self._reply(404, b'{"errorType":"NotFound"}')
                    return
                with api._lock:
                    invocation = api._pending.pop(parts[1], None)
                if invocation is None:
                    self._reply(400, b'{"errorType":"InvalidRequestID"}')
                    return
                invocation.done_ns = arrived
                invocation.outcome = parts[2]
                invocation.result = body
                invocation.done.set()
                self._reply(202, b'{"status":"OK"}')

        self._server = _QuietServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        # A short poll interval: close() waits up to one interval, once per cold start.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def address(self) -> str:
        """The value for `AWS_LAMBDA_RUNTIME_API`."""
        return f"127.0.0.1:{self.port}"

    def _take(self) -> Optional[Invocation]:
        while True:
            try:
                return self._events.get(timeout=0.5)
            except queue.Empty:
                if self._closed:
                    return None

    def wait_next(self, count: int = 1, timeout: float = 30.0) -> Optional[int]:
        """Waits until `GET /next` has arrived `count` times in all; returns that arrival's
        `perf_counter_ns`, or None on timeout or an init error."""
        deadline = time.monotonic() + timeout
        with self._poll_seen:
            while len(self._polls) < count:
                left = deadline - time.monotonic()
                if left <= 0 or self.init_error is not None:
                    return None
                self._poll_seen.wait(min(left, 0.05))
            return self._polls[count - 1]

    def polls(self) -> int:
        with self._lock:
            return len(self._polls)

    def submit(self, body: bytes) -> Invocation:
        """Queues one event; the function picks it up at its next `GET /next`."""
        invocation = Invocation(request_id=str(uuid.uuid4()), body=body)
        with self._lock:
            self._pending[invocation.request_id] = invocation
        self._events.put(invocation)
        return invocation

    def invoke(self, body: bytes, timeout: float = 60.0) -> Invocation:
        """Queues one event and waits for its response or error (outcome "timeout" if none)."""
        invocation = self.submit(body)
        if not invocation.done.wait(timeout):
            invocation.outcome = "timeout"
        return invocation

    def close(self):
        self._closed = True
        self._events.put(None)
        self._server.shutdown()
        self._server.server_close()


class _QuietServer(ThreadingHTTPServer):
    """Drops the traceback of a connection the function closed (it was stopped mid-poll)."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class DeadEndpoint:
    """A TCP listener that logs and at once closes every connection: an AWS endpoint where
    nothing answers, which also shows whether (and when) anything tried to reach it."""

    def __init__(self):
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self._socket.settimeout(0.02)
        self.port = self._socket.getsockname()[1]
        self.connections: list[int] = []  # perf_counter_ns of each accepted connection
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self):
        while not self._closed:
            try:
                conn, _ = self._socket.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                self.connections.append(time.perf_counter_ns())
            try:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except OSError:
                pass
            conn.close()  # with linger 0: a reset, like a dead service

    def before(self, moment_ns: int) -> int:
        """How many connections arrived before `moment_ns`."""
        with self._lock:
            return sum(1 for t in self.connections if t < moment_ns)

    def total(self) -> int:
        with self._lock:
            return len(self.connections)

    def close(self):
        self._closed = True
        self._thread.join(timeout=1)
        self._socket.close()


def _trace_id() -> str:
    """An X-Ray trace header, as Lambda sends it."""
    epoch = format(int(time.time()), "08x")
    return f"Root=1-{epoch}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=9001)
    parser.add_argument("--name", default="coffer")
    parser.add_argument("events", nargs="+", help="event files, handed out in order")
    args = parser.parse_args()
    api = RuntimeApi(args.name, args.port)
    print(f"AWS_LAMBDA_RUNTIME_API={api.address}", flush=True)
    try:
        for path in args.events:
            with open(path, "rb") as handle:
                invocation = api.invoke(handle.read(), timeout=3600)
            print(
                f"{path}: {invocation.outcome} in {invocation.duration_ms:.2f} ms: "
                f"{invocation.result[:300].decode(errors='replace')}",
                flush=True,
            )
    except KeyboardInterrupt:
        pass
    finally:
        api.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
