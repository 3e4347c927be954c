#!/usr/bin/env python3
"""Bulk setup calls for the load runs, and the spike's health poller (loopback only).

    setup.py register <base> <prefix> <count> <password>   # prints each registered address
    setup.py verify <base> <emails-file> <password> <mail-dir>  # verifies each address
    setup.py add-members <base> <token> <org> <emails-file> # adds each as `member`; prints counts
    setup.py issue <base> <session> <count>                 # prints each new refresh token
    setup.py poll <url> <interval-ms> <out-file> <stop-file>

Calls go over keep-alive connections from a few threads, so a thousand of them take seconds
rather than a curl process each.
"""

import concurrent.futures
import http.client
import json
import os
import re
import sys
import threading
import time
import urllib.parse

WORKERS = 4
_local = threading.local()


def _connection(base):
    url = urllib.parse.urlsplit(base)
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        _local.conn = conn
    return conn


def call(base, method, path, token=None, body=None):
    """(status, parsed JSON body or None); one retry on a dropped keep-alive connection."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    for attempt in (1, 2):
        conn = _connection(base)
        try:
            conn.request(method, path, body=data, headers=headers)
            reply = conn.getresponse()
            raw = reply.read()
            break
        except (http.client.HTTPException, ConnectionError):
            conn.close()
            _local.conn = None
            if attempt == 2:
                raise
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return reply.status, parsed


def in_parallel(task, items):
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(task, items))


def register(base, prefix, count, password):
    def one(n):
        email = f"{prefix}-{n}@example.com"
        status, body = call(base, "POST", "/v1/auth/register", body={"email": email, "password": password})
        if status != 201:
            sys.exit(f"register {email}: {status} {body}")
        return email
    for email in in_parallel(one, range(int(count))):
        print(email)


def verify(base, emails_file, password, mail_dir):
    """Each address logs in, asks for its verification code, and confirms the code that the
    local mailer wrote to mail_dir (an org adds only verified addresses as members)."""
    emails = [line.strip() for line in open(emails_file) if line.strip()]
    def ask(email):
        status, body = call(base, "POST", "/v1/auth/login", body={"email": email, "password": password, "client": "cli"})
        if status != 200:
            sys.exit(f"login {email}: {status} {body}")
        status, body = call(base, "POST", "/v1/auth/email/verify/request", body["session_token"], {})
        if status not in (202, 409):
            sys.exit(f"verification request: {status} {body}")
        return status
    asked = in_parallel(ask, emails)
    wanted = {e for e, status in zip(emails, asked) if status == 202}
    codes, deadline = {}, time.monotonic() + 60 + len(wanted) / 10
    while wanted - codes.keys() and time.monotonic() < deadline:
        time.sleep(0.5)
        for name in os.listdir(mail_dir) if os.path.isdir(mail_dir) else []:
            text = open(os.path.join(mail_dir, name)).read()
            to = re.search(r"^To: (\S+)$", text, re.M)
            code = re.search(r"verification code: (\S+)", text)
            if to and code and to[1] in wanted:
                codes[to[1]] = code[1]
    if wanted - codes.keys():
        sys.exit(f"no verification mail for {len(wanted - codes.keys())} addresses")
    def confirm(email):
        status, body = call(base, "POST", "/v1/auth/email/verify/confirm", body={"token": codes[email]})
        if status != 204:
            sys.exit(f"confirm {email}: {status} {body}")
    in_parallel(confirm, sorted(wanted))
    print(f"{len(wanted)} addresses verified, {len(emails) - len(wanted)} already were")


def add_members(base, token, org, emails_file):
    emails = [line.strip() for line in open(emails_file) if line.strip()]
    def one(email):
        status, body = call(base, "POST", f"/v1/orgs/{org}/members", token, {"email": email, "role": "member"})
        if status not in (201, 409):  # 202 would be an invitation: an unverified address
            sys.exit(f"add member: {status} {body}")
        return status
    statuses = in_parallel(one, emails)
    print(f"{statuses.count(201)} added, {statuses.count(409)} already members")


def issue(base, session, count):
    def one(_):
        status, body = call(base, "POST", "/v1/tokens", session, {})
        if status != 201:
            sys.exit(f"POST /v1/tokens: {status} {body}")
        return body["refresh_token"]
    for token in in_parallel(one, range(int(count))):
        print(token)


def poll(url, interval_ms, out_file, stop_file):
    """GET url every interval on a new connection each time (as a liveness probe does), until
    stop_file exists; one line per poll: seconds since start, status (0: no answer), latency ms."""
    parts = urllib.parse.urlsplit(url)
    interval = int(interval_ms) / 1000
    started = time.monotonic()
    next_at = started
    with open(out_file, "w") as out:
        while not os.path.exists(stop_file):
            sent = time.monotonic()
            status = 0
            try:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
                conn.request("GET", parts.path)
                reply = conn.getresponse()
                reply.read()
                status = reply.status
                conn.close()
            except (OSError, http.client.HTTPException):
                status = 0
            took = (time.monotonic() - sent) * 1000
            out.write(f"{sent - started:.3f} {status} {took:.3f}\n")
            out.flush()
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))


if __name__ == "__main__":
    commands = {"register": register, "verify": verify, "add-members": add_members, "issue": issue, "poll": poll}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
