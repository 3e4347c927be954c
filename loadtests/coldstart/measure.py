#!/usr/bin/env python3
"""Cold start, first and warm invocation, network before the first request, and memory of each
Coffer function binary, read against the hello-world `lambda_runtime` binary in the same run.

    python3 loadtests/coldstart/measure.py --bin-dir target/release [--rounds 20] [--out DIR]

Every binary is started as Lambda starts a `provided.al2023` function: a clean environment
with the variables Lambda sets, `AWS_LAMBDA_RUNTIME_API` pointing at `runtime_api.py`, and for
Coffer `COFFER_BACKEND=aws` with `COFFER_AWS_ENDPOINT` at a `DeadEndpoint` (a listener that
resets every connection and logs when it came). Measured:

* init: from just before spawn to the first `GET /next` (the runtime is ready for work);
* the first invocation and a few warm ones: from the event handed out to its result posted;
* connections to the AWS endpoint before the first `GET /next` (must be none), and, in one
  extra start per binary under `strace -f -e trace=connect`, every connect() made before it;
* memory (`VmHWM`, `VmRSS` of /proc/<pid>/status): right after init, and after a burst of the
  group's sample events, once on the AWS backend (dead: most requests fail fast) and once on the
  embedded backend (SQLite in a temporary folder), where the events do real work with real ids
  made by a setup that registers, logs in and creates an org, vault, key, dataset and client.

Cold starts are interleaved (each round starts every binary once, in a shuffled order), so a
change in machine load falls on every binary alike.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runtime_api import DeadEndpoint, RuntimeApi  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
REFERENCE = "hello-lambda"

# The binary of each group and the event of its first (cold) invocation: one that runs the
# full request path without needing the backend (a health check, or a bearer token that fails
# its format check before any read), so its duration is the function's, not the SDK's retries.
# cleanup and mailer take their own event types and do need the backend.
FIRST_EVENT = {
    "auth": "auth/me.json",
    "pii": "pii/health.json",
    "orgs": "orgs/list-orgs.json",
    "tokens": "tokens/issue-tokens.json",
    "clients": "clients/list-clients.json",
    "crypto": "crypto/list-keys.json",
    "datasets": "datasets/list-datasets.json",
    "audit": "audit/logs.json",
    "cleanup": "cleanup/scheduled.json",
    "mailer": "mailer/stream.json",
    REFERENCE: "pii/health.json",
}
# Setup order for the embedded run: each group's setup needs the ids made before it.
ORDER = ["auth", "orgs", "crypto", "datasets", "clients", "tokens", "pii", "audit", "cleanup", "mailer"]
# Sample events left out of the bursts: they would end the session, change the password, or
# remove the fixtures that the other events act on (each still runs in the functions' tests).
DESTRUCTIVE = re.compile(
    r"^(delete-.*|remove-.*|revoke-.*|logout|change-password|refresh-tokens|update-key|trim-key)\.json$"
)
ZEROS = "0" * 26
# The system's bundle of trusted roots (Debian's path; Lambda's AL2023 has the same content in
# /etc/pki/tls/certs/ca-bundle.crt).
CERT_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
WARM = 5


def lambda_env(name: str, api: RuntimeApi, endpoint: DeadEndpoint, memory_mb: int = 512) -> dict:
    """The environment Lambda gives a `provided.al2023` function, plus Coffer's variables as
    `template.yaml` sets them; nothing from the calling shell."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "AWS_LAMBDA_FUNCTION_NAME": f"coffer-{name}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/30/[$LATEST]0123456789abcdef0123456789abcdef",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/coffer-{name}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "_HANDLER": "bootstrap",
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN": "coldstart-dummy-session-token",
        "COFFER_BACKEND": "aws",
        "COFFER_TABLE": "coffer-Table-1ABCDEF",
        "COFFER_BUCKET": "coffer-bucket-1abcdef",
        "COFFER_KMS_KEY_ID": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "COFFER_AWS_ENDPOINT": endpoint.url,
        "COFFER_STAGE": "coldstart",
        "COFFER_ISSUER": "https://auth.example.com",
        "COFFER_TOKEN_AUDIENCE": "coffer",
        "COFFER_REVOCATION_BOUND_SECONDS": "30",
        "COFFER_REFRESH_GRACE_SECONDS": "0",
        "RUST_LOG": "info",
    }


def embedded_env(env: dict, data_dir: Path) -> dict:
    """The same start on the embedded backend, with the per-IP limits raised (every sample
    event comes from one address)."""
    env = dict(env)
    for name in ("COFFER_TABLE", "COFFER_BUCKET", "COFFER_KMS_KEY_ID", "COFFER_AWS_ENDPOINT"):
        env.pop(name)
    env.update(
        {
            "COFFER_BACKEND": "embedded",
            "COFFER_DATA_DIR": str(data_dir),
            "COFFER_REGISTER_LIMIT_PER_IP_DAY": "100000",
            "COFFER_LOGIN_LIMIT_PER_IP_HOUR": "100000",
            "COFFER_LOGIN_FAILURE_LIMIT_PER_ACCOUNT_HOUR": "10000",
        }
    )
    return env


def proc_status(pid: int) -> dict:
    """VmHWM and VmRSS of a process, in KiB, and its thread count."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(("VmHWM:", "VmRSS:", "Threads:")):
                    key, value = line.split(":", 1)
                    out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def status_of(result: bytes) -> str:
    """The HTTP status of an API Gateway reply, or the error type of a failed invocation."""
    try:
        reply = json.loads(result)
    except ValueError:
        return "?"
    if isinstance(reply, dict):
        if "statusCode" in reply:
            return str(reply["statusCode"])
        if "errorType" in reply:
            kind = re.sub(r"<.*>", "", str(reply["errorType"])).rsplit("::", 1)[-1]
            return f"error:{kind}" if kind not in ("", "Box") else "error"
    return "ok"


def reply_body(result: bytes) -> dict:
    try:
        body = json.loads(result).get("body") or "{}"
        return json.loads(body)
    except (ValueError, AttributeError):
        return {}


class Function:
    """One started function binary with its Runtime API and dead AWS endpoint."""

    def __init__(self, name: str, binary: Path, logs: Path, env_change=None, wrapper=None):
        self.name = name
        self.endpoint = DeadEndpoint()
        self.api = RuntimeApi(f"coffer-{name}")
        env = lambda_env(name, self.api, self.endpoint)
        if env_change:
            env = env_change(env)
        self.log = open(logs / f"{name}.log", "ab")
        self.spawned = time.perf_counter_ns()
        self.spawned_wall = time.time()
        self.process = subprocess.Popen(
            (wrapper or []) + [str(binary)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.ready: Optional[int] = None
        self.ready_wall: Optional[float] = None

    def wait_ready(self, timeout: float = 30.0) -> Optional[float]:
        """Init in ms, or None if the function never asked for work."""
        self.ready = self.api.wait_next(1, timeout)
        self.ready_wall = self.api.first_poll_wall
        if self.ready is None:
            return None
        return (self.ready - self.spawned) / 1e6

    def invoke(self, event: bytes, timeout: float = 60.0):
        return self.api.invoke(event, timeout)

    def memory(self) -> dict:
        return proc_status(self.process.pid)

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=3)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=3)
        self.api.close()
        self.endpoint.close()
        self.log.close()


@dataclass
class ColdStarts:
    init_ms: list = field(default_factory=list)
    first_ms: list = field(default_factory=list)
    warm_ms: list = field(default_factory=list)
    rss_kib: list = field(default_factory=list)
    hwm_kib: list = field(default_factory=list)
    early_connections: int = 0
    first_outcomes: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)


def percentile(values: list, p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def one_attempt(env: dict) -> dict:
    """One SDK attempt per call: a call to the dead endpoint then fails at once instead of
    backing off and retrying, so what is left of init is the function's own work."""
    return {**env, "AWS_MAX_ATTEMPTS": "1"}


def cold_start(name: str, binary: Path, logs: Path, result: ColdStarts, env_change=None, invoke=True):
    event = (EVENTS / FIRST_EVENT[name]).read_bytes()
    function = Function(name, binary, logs, env_change=env_change)
    try:
        init = function.wait_ready()
        if init is None:
            result.failures.append(f"no GET /next within 30 s (init error: {function.api.init_error!r})")
            return
        memory = function.memory()
        result.init_ms.append(init)
        result.rss_kib.append(memory.get("VmRSS", 0))
        result.hwm_kib.append(memory.get("VmHWM", 0))
        result.early_connections += function.endpoint.before(function.ready)
        # A first invocation that fails on the dead backend only times the SDK's retries:
        # three of them are enough to show it.
        failing = result.first_outcomes and all(o.startswith(("error", "timeout")) for o in result.first_outcomes)
        if not invoke or (failing and len(result.first_ms) >= 3):
            return
        first = function.invoke(event)
        outcome = status_of(first.result) if first.outcome != "timeout" else "timeout"
        result.first_outcomes[outcome] = result.first_outcomes.get(outcome, 0) + 1
        if first.outcome == "timeout":
            return
        result.first_ms.append(first.duration_ms)
        for _ in range(WARM):
            warm = function.invoke(event)
            if warm.outcome == "timeout":
                break
            result.warm_ms.append(warm.duration_ms)
    finally:
        function.stop()


def connects_before_ready(name: str, binary: Path, logs: Path) -> list:
    """connect() calls a fresh start makes before its first GET /next, other than the one to
    the Runtime API, read from `strace -f -ttt -e trace=connect`."""
    trace = logs / f"{name}.strace"
    trace.unlink(missing_ok=True)
    wrapper = ["strace", "-f", "-qq", "-ttt", "-e", "trace=connect", "-o", str(trace)]
    function = Function(name, binary, logs, wrapper=wrapper)
    try:
        if function.wait_ready() is None:
            return ["(no GET /next)"]
        ready_wall = function.ready_wall
        time.sleep(0.2)
    finally:
        function.stop()
    found = []
    for line in trace.read_text(errors="replace").splitlines():
        match = re.match(r"\d+\s+(\d+\.\d+)\s+connect\((.*)", line)
        if not match or float(match.group(1)) > ready_wall:
            continue
        port = re.search(r"sin6?_port=htons\((\d+)\)", line)
        addr = re.search(r'inet_(?:addr|pton)\([^"]*"([^"]+)"', line) or re.search(r'sun_path="([^"]+)"', line)
        port = int(port.group(1)) if port else None
        if port == function.api.port:
            continue
        where = f"{addr.group(1) if addr else '?'}:{port}" if port else (addr.group(1) if addr else match.group(2)[:80])
        if port == function.endpoint.port:
            where += " (the AWS endpoint)"
        found.append(where)
    counted = {where: found.count(where) for where in found}
    return [f"{n}× {where}" for where, n in counted.items()]


def events_of(group: str) -> list:
    return sorted((EVENTS / group).glob("*.json"))


def fill(event: bytes, ids: dict) -> bytes:
    text = event.decode()
    for placeholder, value in ids.items():
        text = text.replace(placeholder, value)
    return text.encode()


def setup(name: str, function: Function, ids: dict) -> list:
    """Runs the group's setup events on the embedded backend and records the ids they made."""
    notes = []

    def run(relative: str, body_change=None):
        raw = fill((EVENTS / relative).read_bytes(), ids)
        if body_change:
            event = json.loads(raw)
            event["body"] = json.dumps(body_change(json.loads(event["body"])))
            raw = json.dumps(event).encode()
        invocation = function.invoke(raw)
        notes.append(f"{relative} -> {status_of(invocation.result)}")
        return reply_body(invocation.result)

    if name == "auth":
        run("auth/register.json")
        token = run("auth/login.json").get("session_token")
        if token:
            ids["{{session_token}}"] = token
    elif name == "orgs":
        org = run("orgs/create-org.json").get("id")
        if org:
            ids[f"org_{ZEROS}"] = org
            vault = run("orgs/create-vault.json").get("id")
            if vault:
                ids[f"vlt_{ZEROS}"] = vault
    elif name == "crypto":
        key = run("crypto/create-key.json", lambda b: {**b, "name": "coldstart"}).get("id")
        if key:
            ids[f"key_{ZEROS}"] = key
            with_context = run("crypto/encrypt.json").get("ciphertext")
            plain = run("crypto/encrypt.json", lambda b: {k: v for k, v in b.items() if k != "context"})
            if with_context:
                ids["{{ciphertext_with_context}}"] = with_context
            if plain.get("ciphertext"):
                ids["{{ciphertext}}"] = plain["ciphertext"]
    elif name == "datasets":
        # The sample record carries an `age` that the sample dataset does not declare.
        def with_age(body):
            schema = body.get("schema", {})
            properties = {**schema.get("properties", {}), "age": {"type": "integer"}}
            return {
                **body,
                "name": "coldstart",
                "fields": {**body.get("fields", {}), "age": "plain"},
                "schema": {**schema, "properties": properties},
            }

        dataset = run("datasets/create-dataset.json", with_age).get("id")
        if dataset:
            ids[f"dst_{ZEROS}"] = dataset
            record = run("datasets/write-record.json").get("id")
            if record:
                ids[f"rec_{ZEROS}"] = record
    elif name == "clients":
        client = run("clients/create-client.json").get("id")
        if client:
            ids[f"cli_{ZEROS}"] = client
            certificate = run("clients/create-certificate.json").get("id")
            if certificate:
                ids[f"crt_{ZEROS}"] = certificate
    elif name == "tokens":
        issued = run("tokens/issue-tokens.json")
        for field_name in ("access_token", "refresh_token"):
            if issued.get(field_name):
                ids["{{" + field_name + "}}"] = issued[field_name]
    return notes


def burst(function: Function, events: list, count: int, seconds: float, ids: dict) -> dict:
    """`count` invocations cycling through `events` (or fewer if `seconds` run out)."""
    statuses: dict = {}
    durations = []
    per_event: dict = {}
    deadline = time.monotonic() + seconds
    raw = [(path.stem, path.read_bytes()) for path in events]
    for index in range(count):
        if time.monotonic() > deadline:
            break
        stem, template = raw[index % len(raw)]
        invocation = function.invoke(fill(template, ids), timeout=max(1.0, deadline - time.monotonic()))
        # Each login's session replaces the one before (a user keeps 10 sessions at most, so the
        # burst's own logins would push out the setup's).
        fresh = reply_body(invocation.result).get("session_token")
        if fresh and "{{session_token}}" in ids:
            ids["{{session_token}}"] = fresh
        outcome = status_of(invocation.result) if invocation.outcome != "timeout" else "timeout"
        statuses[outcome] = statuses.get(outcome, 0) + 1
        if invocation.outcome == "timeout":
            break
        durations.append(invocation.duration_ms)
        per_event.setdefault(f"{stem} {outcome}", []).append(invocation.duration_ms)
    return {"statuses": statuses, "count": len(durations), "durations": durations, "per_event": per_event}


def heavy_events(name: str, ids: dict) -> list:
    """The largest requests a group takes on Lambda (a synchronous invocation carries 6 MB at
    most): the peak they cause is what MemorySize must hold."""
    def with_body(relative: str, change) -> tuple:
        event = json.loads(fill((EVENTS / relative).read_bytes(), ids))
        event["body"] = json.dumps(change(json.loads(event["body"])))
        return (relative, json.dumps(event).encode())

    sentence = "Call Dr. Maria Lopez at 415-555-0134 or maria.lopez@example.com, card 4111 1111 1111 1111. "
    text = sentence * (4_500_000 // len(sentence))  # 4.5 MB of text dense with PII
    if name == "pii":
        return [
            with_body("pii/detect.json", lambda b: {**b, "text": text}),
            # anonymize takes the general body limit (COFFER_MAX_BODY_BYTES, 1 MiB).
            with_body("pii/anonymize.json", lambda b: {**b, "text": text[:1_000_000]}),
        ]
    if name == "crypto" and f"key_{ZEROS}" in ids:
        plaintext = base64.b64encode(os.urandom(4_000_000)).decode()  # a 5.3 MB body
        return [with_body("crypto/encrypt.json", lambda b: {**b, "plaintext": plaintext})]
    return []


def memory_run(name, binary, logs, env_change, group_events, ids, count, seconds, do_setup):
    function = Function(name, binary, logs, env_change=env_change)
    try:
        if function.wait_ready() is None:
            return {"error": f"no GET /next (init error {function.api.init_error!r})"}
        after_init = function.memory()
        notes = setup(name, function, ids) if do_setup else []
        result = burst(function, group_events, count, seconds, ids)
        after = function.memory()
        heavy = []
        for relative, body in heavy_events(name, ids) if do_setup else []:
            invocation = function.invoke(body, timeout=120)
            heavy.append(
                f"{Path(relative).stem} ({len(body) / 1e6:.1f} MB event) -> {status_of(invocation.result)} "
                f"in {invocation.duration_ms:.0f} ms, peak {mib(function.memory().get('VmHWM', 0))} MiB"
            )
        if do_setup and name == "auth":
            # The burst's logins pushed the setup's session out (10 sessions per user at most):
            # the groups after this one get a fresh one.
            notes += setup(name, function, ids)
        return {
            "init_rss_kib": after_init.get("VmRSS", 0),
            "init_hwm_kib": after_init.get("VmHWM", 0),
            "peak_hwm_kib": after.get("VmHWM", 0),
            "end_rss_kib": after.get("VmRSS", 0),
            "threads": after.get("Threads", 0),
            "setup": notes,
            "heavy": heavy,
            "heavy_peak_hwm_kib": function.memory().get("VmHWM", 0) if heavy else 0,
            **result,
        }
    finally:
        function.stop()


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def main() -> int:
    # A stop from run.sh's trap unwinds through the `finally` blocks that stop the functions.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description="Cold start and memory of each function binary.")
    parser.add_argument("--bin-dir", default=str(ROOT / "target" / "release"))
    parser.add_argument("--rounds", type=int, default=20, help="cold starts per binary")
    parser.add_argument("--burst", type=int, default=200, help="invocations per memory burst")
    parser.add_argument("--burst-seconds", type=float, default=60.0, help="time bound of a burst")
    parser.add_argument("--out", default=None, help="folder for logs and results.json")
    parser.add_argument("--functions", default=",".join(ORDER))
    parser.add_argument("--skip", default="", help="comma-separated: cold,strace,memory")
    args = parser.parse_args()

    bin_dir = Path(args.bin_dir)
    names = [n for n in args.functions.split(",") if n]
    binaries = {n: bin_dir / n for n in names + [REFERENCE]}
    missing = [str(p) for p in binaries.values() if not p.is_file()]
    if missing:
        print("missing binaries: " + ", ".join(missing), file=sys.stderr)
        return 2
    out = Path(args.out or tempfile.mkdtemp(prefix="coldstart-"))
    logs = out / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True, exist_ok=True)
    skip = set(filter(None, args.skip.split(",")))
    results: dict = {"rounds": args.rounds, "bin_dir": str(bin_dir)}
    everyone = [REFERENCE] + names

    if "cold" not in skip:
        cold = {n: ColdStarts() for n in everyone}
        cold_data = Path(tempfile.mkdtemp(prefix="data-cold-", dir=out))
        empty_dir = Path(tempfile.mkdtemp(prefix="empty-", dir=out))
        # The same start with one thing changed, init only: what each part of init costs.
        variants = {
            "1 SDK attempt": one_attempt,
            "+ bundle-only trust store": lambda env: {
                **one_attempt(env),
                "SSL_CERT_FILE": CERT_BUNDLE,
                "SSL_CERT_DIR": str(empty_dir),
            },
            "embedded backend": lambda env: embedded_env(env, cold_data),
        }
        varied = {(n, v): ColdStarts() for n in names for v in variants}
        for round_index in range(args.rounds):
            order = [(n, None) for n in everyone] + list(varied)
            random.shuffle(order)
            for name, variant in order:
                if variant:
                    cold_start(name, binaries[name], logs, varied[(name, variant)], variants[variant], invoke=False)
                else:
                    cold_start(name, binaries[name], logs, cold[name])
            print(f"  cold-start round {round_index + 1}/{args.rounds} done", file=sys.stderr, flush=True)
        shutil.rmtree(cold_data, ignore_errors=True)
        reference = statistics.median(cold[REFERENCE].init_ms) if cold[REFERENCE].init_ms else float("nan")
        reference_p90 = percentile(cold[REFERENCE].init_ms, 90)
        print()
        print(f"## Cold start ({args.rounds} starts each, interleaved; AWS backend on a dead endpoint)")
        print()
        print("| function | init p50 ms | init p90 ms | ratio p50 | ratio p90 | first invocation p50 ms | warm p50 ms | RSS at init MiB | AWS conns before /next | first reply |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        results["cold"] = {}
        for name in everyone:
            c = cold[name]
            if not c.init_ms:
                print(f"| {name} | failed: {'; '.join(c.failures[:2])} |")
                continue
            p50, p90 = statistics.median(c.init_ms), percentile(c.init_ms, 90)
            first = statistics.median(c.first_ms) if c.first_ms else float("nan")
            warm = statistics.median(c.warm_ms) if c.warm_ms else float("nan")
            outcomes = ", ".join(f"{k}×{v}" for k, v in sorted(c.first_outcomes.items()))
            print(
                f"| {name} | {p50:.2f} | {p90:.2f} | {p50 / reference:.2f} | {p90 / reference_p90:.2f} | "
                f"{first:.2f} | {warm:.3f} | {mib(statistics.median(c.hwm_kib))} | {c.early_connections} | {outcomes} |"
            )
            results["cold"][name] = {
                "init_ms": c.init_ms,
                "first_ms": c.first_ms,
                "warm_ms": c.warm_ms,
                "init_hwm_kib": c.hwm_kib,
                "init_rss_kib": c.rss_kib,
                "early_connections": c.early_connections,
                "first_outcomes": c.first_outcomes,
                "failures": c.failures,
                "ratio_p50": p50 / reference,
                "variants": {v: varied[(name, v)].init_ms for v in variants if (name, v) in varied},
            }
        print()
        print("Goal: init ≤ 1.5× the hello-world's. `AWS conns before /next`: connections the dead AWS")
        print("endpoint saw between spawn and the first GET /next, over all starts (goal: 0).")
        print()
        print("### Where init goes (init p50 ms, and its ratio to the hello-world's p50)")
        print()
        print("| function | as deployed | " + " | ".join(variants) + " |")
        print("|---|---:|" + "---:|" * len(variants))
        for name in names:
            if not cold[name].init_ms:
                continue
            cells = [statistics.median(cold[name].init_ms)]
            cells += [
                statistics.median(varied[(name, v)].init_ms) if varied[(name, v)].init_ms else float("nan")
                for v in variants
            ]
            print(f"| {name} | " + " | ".join(f"{c:.2f} ({c / reference:.2f}×)" for c in cells) + " |")
        print()
        print("`1 SDK attempt`: AWS_MAX_ATTEMPTS=1, so a call made at init fails at once on the dead")
        print("endpoint instead of backing off (on AWS such a call costs a round trip, tens of ms).")
        print(f"`+ bundle-only trust store`: also SSL_CERT_FILE={CERT_BUNDLE} and an empty SSL_CERT_DIR:")
        print("the TLS roots read from one bundle, as on Lambda's AL2023 (whose certificate folder holds")
        print("bundles only), instead of every file of this host's /etc/ssl/certs.")
        print("`embedded backend`: COFFER_BACKEND=embedded (SQLite, no AWS SDK, no TLS roots).")

    if "strace" not in skip and shutil.which("strace"):
        print()
        print("## connect() before the first GET /next (strace -f, one start each)")
        print()
        results["connects"] = {}
        for name in everyone:
            found = connects_before_ready(name, binaries[name], logs)
            results["connects"][name] = found
            shown = "; ".join(found) if found else "none (only the Runtime API)"
            print(f"- {name}: {shown}")

    if "memory" not in skip:
        results["memory"] = {"aws": {}, "embedded": {}}
        data_dir = Path(tempfile.mkdtemp(prefix="data-", dir=out))
        ids: dict = {}
        for name in [REFERENCE] + [n for n in ORDER if n in names]:
            group = "pii" if name == REFERENCE else name
            every_event = events_of(group) if name != REFERENCE else [EVENTS / FIRST_EVENT[REFERENCE]]
            # Dead backend: every sample event, placeholders as they are; one SDK attempt per call
            # so a burst is not the retry policy's back-off.
            aws = memory_run(
                name, binaries[name], logs,
                lambda env: {**env, "AWS_MAX_ATTEMPTS": "1"},
                every_event, {}, args.burst, args.burst_seconds, False,
            )
            results["memory"]["aws"][name] = aws
            if name == REFERENCE:
                continue
            kept = [p for p in events_of(group) if not DESTRUCTIVE.match(p.name)]
            embedded = memory_run(
                name, binaries[name], logs,
                lambda env: embedded_env(env, data_dir),
                kept, ids, args.burst, args.burst_seconds, True,
            )
            results["memory"]["embedded"][name] = embedded
            print(f"  memory: {name} done", file=sys.stderr, flush=True)
        shutil.rmtree(data_dir, ignore_errors=True)
        print()
        print(f"## Memory (VmHWM; bursts of up to {args.burst} invocations cycling the group's events)")
        print()
        print("| function | RSS after init MiB | peak after burst, AWS (dead) MiB | peak after burst, embedded MiB | peak after largest request MiB | threads | embedded burst replies |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for name in [REFERENCE] + [n for n in ORDER if n in names]:
            aws = results["memory"]["aws"].get(name, {})
            emb = results["memory"]["embedded"].get(name, {})
            replies = ", ".join(f"{k}×{v}" for k, v in sorted(emb.get("statuses", {}).items())) or "—"
            print(
                f"| {name} | {mib(aws.get('init_hwm_kib', 0))} | {mib(aws.get('peak_hwm_kib', 0))} "
                f"({aws.get('count', 0)} inv.) | "
                + (f"{mib(emb['peak_hwm_kib'])} ({emb['count']} inv.)" if 'peak_hwm_kib' in emb else "—")
                + f" | {mib(emb['heavy_peak_hwm_kib']) if emb.get('heavy_peak_hwm_kib') else '—'}"
                + f" | {emb.get('threads', aws.get('threads', 0))} | {replies} |"
            )
        print()
        print("AWS-backend burst replies:")
        for name, aws in results["memory"]["aws"].items():
            replies = ", ".join(f"{k}×{v}" for k, v in sorted(aws.get("statuses", {}).items()))
            print(f"- {name}: {replies}")
        print()
        for backend in ("aws", "embedded"):
            for name, run in results["memory"][backend].items():
                if "error" in run:
                    print(f"- {name} ({backend}): {run['error']}")
        print()
        print("Slowest sample events in the embedded bursts (median ms over the burst, host CPU):")
        for name, emb in results["memory"]["embedded"].items():
            medians = sorted(
                ((statistics.median(v), k) for k, v in emb.get("per_event", {}).items()), reverse=True
            )[:3]
            if medians:
                print(f"- {name}: " + ", ".join(f"{k} {m:.1f}" for m, k in medians))
        print()
        print("Largest requests (embedded, after the burst; a synchronous invocation carries 6 MB at most):")
        for name, emb in results["memory"]["embedded"].items():
            for line in emb.get("heavy", []):
                print(f"- {name}: {line}")
        print()
        print("Embedded setup:")
        for name, emb in results["memory"]["embedded"].items():
            if emb.get("setup"):
                print(f"- {name}: " + "; ".join(emb["setup"]))

    (out / "results.json").write_text(json.dumps(results, indent=1))
    print()
    print(f"(logs and results.json in {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
