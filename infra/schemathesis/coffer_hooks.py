"""Schemathesis hooks for Coffer's local stack (loaded by run.sh: SCHEMATHESIS_HOOKS=coffer_hooks).

At import, before any case is generated, it sets up a world over the HTTP API of the server under
test: two verified users (an org owner and a plain member), a session and an unbound access token
with every scope for each, an org with a vault, a team, a pending invitation, a machine client and
its certificate, two named keys (one only encrypted with, one whose versions get managed), two
datasets (records, a payload, a re-encryption job) and a real ciphertext. Then:

- every case is authenticated as its operation's `security` allows: a session or an access token,
  mostly the owner's, sometimes the plain member's (403 paths), sometimes none where that is allowed;
- path parameters, `org_id` query parameters and id fields in JSON bodies are replaced, most of the
  time, by those real ids, so operations get past 404 into their own logic;
- destructive operations (DELETE of an org, vault, key, dataset, record, client...; logout and
  session revocation) get a fresh resource made for the case, so the world stays usable.

Environment: COFFER_SX_BASE_URL (the server, e.g. http://127.0.0.1:8123) and COFFER_SX_DATA_DIR
(its COFFER_DATA_DIR: verification codes are read from the mail folder the local mailer writes).
"""

from __future__ import annotations

import base64
import copy
import os
import pathlib
import random
import re
import secrets
import threading
import time

import requests
import schemathesis

BASE = os.environ["COFFER_SX_BASE_URL"].rstrip("/")
MAIL_DIR = pathlib.Path(os.environ["COFFER_SX_DATA_DIR"]) / "mail"
# Replacing generated values by real ids is a coin toss per case; the seed only makes runs
# comparable, the server state makes them differ anyway.
RNG = random.Random(os.environ.get("COFFER_SX_SEED", "15"))
LOCK = threading.Lock()
HTTP = requests.Session()


class SetupError(RuntimeError):
    """The world could not be built: the run stops before generating anything."""


def call(method: str, path: str, token: str | None = None, expect: tuple[int, ...] = (200, 201), **kwargs):
    headers = kwargs.pop("headers", {})
    if token:
        headers["authorization"] = f"Bearer {token}"
    reply = HTTP.request(method, BASE + path, headers=headers, timeout=30, **kwargs)
    if reply.status_code not in expect:
        raise SetupError(f"{method} {path}: {reply.status_code} {reply.text[:500]}")
    if reply.content and reply.headers.get("content-type", "").endswith("json"):
        return reply.json()
    return None


def mailed_code(email: str, not_in: set[str]) -> str:
    """The code of the newest mail to `email` the local mailer wrote (it polls every second)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if MAIL_DIR.is_dir():
            for eml in MAIL_DIR.glob("*.eml"):
                text = eml.read_text(encoding="utf-8", errors="replace")
                if f"\nTo: {email}\n" not in text:
                    continue
                match = re.search(r"code: (\S+)", text)
                if match and match.group(1) not in not_in:
                    return match.group(1)
        time.sleep(0.2)
    raise SetupError(f"no mailed code for {email} in {MAIL_DIR}")


class User:
    def __init__(self, label: str):
        self.email = f"sx-{label}-{secrets.token_hex(6)}@example.com"
        self.password = "Sx!" + secrets.token_urlsafe(24)
        registered = call("POST", "/v1/auth/register", json={"email": self.email, "password": self.password})
        self.id = registered["user"]["id"]
        self.session, self.session_id = self.login()
        self.verify()
        tokens = call("POST", "/v1/tokens", self.session, json={})
        self.access_token = tokens["access_token"]
        self.refresh_token = tokens["refresh_token"]

    def login(self) -> tuple[str, str]:
        reply = call("POST", "/v1/auth/login", json={"email": self.email, "password": self.password, "client": "cli"})
        return reply["session_token"], reply["session_id"]

    def verify(self) -> None:
        call("POST", "/v1/auth/email/verify/request", self.session, expect=(202,), json={})
        code = mailed_code(self.email, set())
        call("POST", "/v1/auth/email/verify/confirm", self.session, expect=(204,), json={"token": code})


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


class World:
    """The real resources cases are pointed at (built once, over the API)."""

    def __init__(self):
        self.owner = User("owner")
        self.member = User("member")
        # Logs in (and out) for logout and session-revocation cases only.
        self.leaver = User("leaver")
        owner = self.owner.session
        self.org = call("POST", "/v1/orgs", owner, json={"name": "sx org", "tier": "enterprise"})["id"]
        org = f"/v1/orgs/{self.org}"
        call("POST", f"{org}/members", owner, expect=(201,), json={"email": self.member.email, "role": "member"})
        self.invitation = self.invite()
        self.vault = call("POST", f"{org}/vaults", owner, json={"name": "sx vault"})["id"]
        self.team = call("POST", f"{org}/teams", owner, json={"name": "sx team"})["id"]
        call("POST", f"{org}/teams/{self.team}/members", owner, json={"user_id": self.member.id})
        self.client = call("POST", f"{org}/clients", owner, json={"name": "sx client"})["id"]
        self.certificate = call("POST", f"{org}/clients/{self.client}/certificates", owner, json={})["id"]
        self.key = call("POST", "/v1/keys", owner, json={"org_id": self.org, "name": "sx key"})["id"]
        self.managed_key = call("POST", "/v1/keys", owner, json={"org_id": self.org, "name": "sx managed"})["id"]
        for _ in range(3):
            call("POST", f"/v1/keys/{self.managed_key}/rotate", owner)
        self.context = b64(b"sx-context")
        self.ciphertext = call(
            "POST", "/v1/encrypt", owner, json={"key": self.key, "plaintext": b64(b"hello"), "context": self.context}
        )["ciphertext"]
        self.fields = {"email": "tokenize", "name": "encrypt", "note": "plain", "phone": "mask"}
        self.dataset = self.new_dataset("sx dataset")
        self.managed_dataset = self.new_dataset("sx managed dataset")
        self.records = [self.new_record() for _ in range(5)]
        call(
            "PUT",
            f"/v1/datasets/{self.dataset}/records/{self.records[0]}/payload",
            owner,
            data=b"sx payload",
            headers={"content-type": "application/octet-stream"},
        )
        # A payload uploaded through a presigned URL (COFFER_PUBLIC_URL is the server's own).
        self.presigned_record = self.new_record()
        grant = call(
            "POST", f"/v1/datasets/{self.dataset}/records/{self.presigned_record}/payload/upload-url", owner, json={}
        )
        uploaded = HTTP.request(grant["method"], grant["url"], headers=grant["headers"], data=b"sx presigned", timeout=30)
        if uploaded.status_code >= 300:
            raise SetupError(f"presigned upload: {uploaded.status_code} {uploaded.text[:300]}")
        self.job = call("POST", f"/v1/datasets/{self.dataset}/rotate", owner, expect=(202,))["id"]
        self.counter = 0

    def ensure_member(self) -> None:
        """Adds the member back after a case removed them (201), or finds them there (409)."""
        call(
            "POST",
            f"/v1/orgs/{self.org}/members",
            self.owner.session,
            expect=(201, 409),
            json={"email": self.member.email, "role": "member"},
        )

    def invite(self) -> str:
        reply = call(
            "POST",
            f"/v1/orgs/{self.org}/members",
            self.owner.session,
            expect=(202,),
            json={"email": f"sx-invitee-{secrets.token_hex(6)}@example.com", "role": "member"},
        )
        return reply["invitation"]["id"]

    def new_dataset(self, name: str) -> str:
        body = {"org_id": self.org, "name": f"{name} {secrets.token_hex(4)}", "fields": self.fields}
        return call("POST", "/v1/datasets", self.owner.session, json=body)["id"]

    def record_data(self) -> dict:
        return {
            "email": f"sx-{secrets.token_hex(4)}@example.com",
            "name": "Jane Roe",
            "note": "a note",
            "phone": "+1 415 555 0100",
        }

    def new_record(self, dataset: str | None = None) -> str:
        reply = call(
            "POST", f"/v1/datasets/{dataset or self.dataset}/records", self.owner.session, json={"data": self.record_data()}
        )
        return reply["id"]

    # Fresh resources for the cases that destroy what they name.
    def fresh(self, kind: str) -> str:
        owner = self.owner.session
        org = f"/v1/orgs/{self.org}"
        name = f"sx {kind} {secrets.token_hex(4)}"
        if kind == "org":
            return call("POST", "/v1/orgs", owner, json={"name": name})["id"]
        if kind == "vault":
            return call("POST", f"{org}/vaults", owner, json={"name": name})["id"]
        if kind == "team":
            return call("POST", f"{org}/teams", owner, json={"name": name})["id"]
        if kind == "client":
            return call("POST", f"{org}/clients", owner, json={"name": name})["id"]
        if kind == "certificate":
            return call("POST", f"{org}/clients/{self.client}/certificates", owner, json={})["id"]
        if kind == "invitation":
            return self.invite()
        if kind == "key":
            key = call("POST", "/v1/keys", owner, json={"org_id": self.org, "name": name})["id"]
            call("PATCH", f"/v1/keys/{key}", owner, json={"deletion_allowed": True})
            return key
        if kind == "dataset":
            return self.new_dataset(name)
        if kind == "record":
            return self.new_record()
        if kind == "team-with-member":
            # The world's team, with the member put back (a member may be in only so many teams,
            # so not a fresh team each time).
            self.ensure_member()
            call(
                "POST", f"{org}/teams/{self.team}/members", owner, expect=(201, 409), json={"user_id": self.member.id}
            )
            return self.team
        raise SetupError(kind)


WORLD = World()

# Path parameter name → the real id it gets (for paths whose parameter means something else, see
# `path_ids`).
REAL_PATH = {
    "org": lambda: WORLD.org,
    "vault": lambda: WORLD.vault,
    "team": lambda: WORLD.team,
    "client": lambda: WORLD.client,
    "certificate": lambda: WORLD.certificate,
    "invitation": lambda: WORLD.invitation,
    "key": lambda: WORLD.key,
    "id": lambda: WORLD.dataset,
    "rid": lambda: RNG.choice(WORLD.records),
    "job": lambda: WORLD.job,
    "user": lambda: WORLD.member.id,
}

# (method, path) of the cases that destroy the resource their last path parameter names: that one
# is made fresh for the case.
DESTRUCTIVE = {
    ("DELETE", "/v1/orgs/{org}"): ("org", "org"),
    ("DELETE", "/v1/orgs/{org}/vaults/{vault}"): ("vault", "vault"),
    ("DELETE", "/v1/orgs/{org}/teams/{team}"): ("team", "team"),
    ("DELETE", "/v1/orgs/{org}/clients/{client}"): ("client", "client"),
    ("DELETE", "/v1/orgs/{org}/clients/{client}/certificates/{certificate}"): ("certificate", "certificate"),
    ("DELETE", "/v1/orgs/{org}/invitations/{invitation}"): ("invitation", "invitation"),
    ("DELETE", "/v1/keys/{key}"): ("key", "key"),
    ("DELETE", "/v1/datasets/{id}"): ("dataset", "id"),
    ("DELETE", "/v1/datasets/{id}/records/{rid}"): ("record", "rid"),
    ("DELETE", "/v1/orgs/{org}/teams/{team}/members/{user}"): ("team-with-member", "team"),
}

# Operations that change a resource's settings in ways later cases would trip on (retired key
# versions, a changed dataset schema) work on resources of their own.
MANAGED_KEY_PATHS = {"/v1/keys/{key}/trim"}
MANAGED_KEY_OPERATIONS = {("PATCH", "/v1/keys/{key}")}
MANAGED_DATASET_OPERATIONS = {("PUT", "/v1/datasets/{id}")}


def path_ids(method: str, path: str) -> dict:
    ids = {name: get() for name, get in REAL_PATH.items()}
    if path.startswith("/v1/orgs/{org}/members/"):
        # Never the owner: a case that made the member an owner could then demote or remove the
        # owner, and every later case would be a 404.
        with LOCK:
            WORLD.ensure_member()
    if path in MANAGED_KEY_PATHS or (method, path) in MANAGED_KEY_OPERATIONS:
        ids["key"] = WORLD.managed_key
    if (method, path) in MANAGED_DATASET_OPERATIONS:
        ids["id"] = WORLD.managed_dataset
    if "/payload" in path and RNG.random() < 0.7:
        ids["rid"] = WORLD.records[0]
    if path.endswith("/payload/url"):
        ids["rid"] = WORLD.presigned_record
    if (method, path) in DESTRUCTIVE:
        kind, name = DESTRUCTIVE[(method, path)]
        with LOCK:
            ids[name] = WORLD.fresh(kind)
    return ids


# Body fields that name resources, and the real values they may get.
BODY_IDS = {
    "org_id": lambda: WORLD.org,
    "vault_id": lambda: WORLD.vault,
    "dataset_id": lambda: WORLD.dataset,
    "user_id": lambda: RNG.choice([WORLD.member.id, WORLD.owner.id]),  # team members only
    "key": lambda: WORLD.key,
}


def real_body(method: str, path: str, body):
    if not isinstance(body, dict):
        return body
    body = copy.deepcopy(body)
    for field, get in BODY_IDS.items():
        if field in body and isinstance(body[field], str):
            body[field] = get()
    if path in ("/v1/decrypt", "/v1/rewrap") and "ciphertext" in body and RNG.random() < 0.5:
        body["ciphertext"] = WORLD.ciphertext
        body["context"] = WORLD.context
    if path in ("/v1/encrypt", "/v1/rewrap") and RNG.random() < 0.5:
        body.pop("key_version", None)
    if path == "/v1/auth/login" and RNG.random() < 0.5:
        # The leaver's credentials (their sessions are disposable): a login that succeeds.
        body["email"], body["password"] = WORLD.leaver.email, WORLD.leaver.password
    if path == "/v1/datasets/{id}/records" and RNG.random() < 0.5:
        body = {"data": WORLD.record_data()}
    if path == "/v1/tokens/revoke" and "token" in body and RNG.random() < 0.2:
        # A live refresh token of the member's: revoking it is real work and ends nothing we use.
        with LOCK:
            body["token"] = call("POST", "/v1/tokens", WORLD.member.session, json={})["refresh_token"]
    return body


def is_positive(case, location: str) -> bool:
    meta = case.meta
    if meta is None:
        return True
    for loc, component in meta.components.items():
        if str(getattr(loc, "value", loc)) == location:
            return not component.mode.is_negative
    return True


# Session id → token of the leaver's sessions made for `DELETE /v1/auth/sessions/{id}` cases.
LEAVER_SESSIONS: dict[str, str] = {}


@schemathesis.hook
def map_case(context, case):
    """Points most positive cases at the world's real resources.

    Destructive cases always get their own resource when their path is positive: Schemathesis
    also fills path parameters with ids it saw in earlier replies, so a "generated" id may well
    be the world's (its client, its team, the owner's session).
    """
    method, path = case.method.upper(), case.path
    if (method, path) == ("DELETE", "/v1/auth/sessions/{id}"):
        if is_positive(case, "path"):
            with LOCK:
                session, session_id = WORLD.leaver.login()
            LEAVER_SESSIONS[session_id] = session
            case.path_parameters = {**case.path_parameters, "id": session_id}
        return case
    destructive = (
        (method, path) in DESTRUCTIVE
        or path.startswith("/v1/orgs/{org}/members/")
        or path in MANAGED_KEY_PATHS
        or (method, path) in MANAGED_KEY_OPERATIONS | MANAGED_DATASET_OPERATIONS
    )
    if case.path_parameters and is_positive(case, "path") and (destructive or RNG.random() < 0.85):
        ids = path_ids(method, path)
        case.path_parameters = {
            name: ids.get(name, value) if isinstance(value, str) or (method, path) in DESTRUCTIVE else value
            for name, value in case.path_parameters.items()
        }
    if isinstance(case.query, dict) and "org_id" in case.query and is_positive(case, "query") and RNG.random() < 0.85:
        query = dict(case.query)
        query["org_id"] = WORLD.org
        if path == "/v1/datasets/{id}/search" and "field" in query and RNG.random() < 0.5:
            query["field"] = "email"
        case.query = query
    if path == "/v1/datasets/{id}/search" and isinstance(case.query, dict) and is_positive(case, "query"):
        if RNG.random() < 0.5:
            case.query = {**case.query, "field": "email"}
    if is_positive(case, "body") and RNG.random() < 0.85:
        body = case.body
        if isinstance(body, dict):
            case.body = real_body(method, path, body)
    return case


def schemes(case) -> list[str]:
    """The security schemes the operation accepts (`""` for none)."""
    security = case.operation.definition.raw.get("security")
    if security is None:
        return [""]
    names = []
    for requirement in security:
        names.extend(requirement.keys() or [""])
    return names


@schemathesis.auth(refresh_interval=None, retry_on=[])
class CofferAuth:
    """A session or an access token per case, as the operation's security allows."""

    def get(self, case, context):
        accepted = schemes(case)
        if accepted == [""]:
            return None
        method, path = case.method.upper(), case.path
        if (method, path) == ("DELETE", "/v1/auth/sessions/{id}"):
            # map_case logged the leaver in and named that session: revoke it with itself.
            session = LEAVER_SESSIONS.pop(str((case.path_parameters or {}).get("id")), None)
            if session is not None:
                return session
        if path == "/v1/auth/logout" or (method, path) == ("DELETE", "/v1/auth/sessions/{id}"):
            with LOCK:
                session, _ = WORLD.leaver.login()
            return session
        if "" in accepted and RNG.random() < 0.1:
            return None
        user = WORLD.owner if RNG.random() < 0.85 else WORLD.member
        if "access_token" in accepted and RNG.random() < 0.5:
            return user.access_token
        return user.session

    def set(self, case, data, context):
        if data is None:
            return
        # Under the exact name the security scheme declares, so the `ignored_auth` check can take it
        # off again (it keeps the case's own header container).
        if case.headers is None:
            case.headers = {}
        for name in [name for name in case.headers if name.lower() == "authorization"]:
            del case.headers[name]
        case.headers["Authorization"] = f"Bearer {data}"
