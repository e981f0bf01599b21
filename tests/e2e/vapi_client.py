"""A stand-in for Vapi's webhook sender: fixture payloads re-addressed to one call, signed the
way a Vapi HMAC credential signs them (hex HMAC-SHA256 over "<timestamp>.<raw body>"), using
only Python's standard library."""

import copy
import hashlib
import hmac
import json
import time
import urllib.request
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "vapi"


def fixture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def for_call(name, call_id, org=None, assistant=None, **message_fields):
    """A fixture re-addressed: its call id, the org in the assistant's metadata (None: no org
    hint at all), the assistant id, and any message fields replaced."""
    body = copy.deepcopy(fixture(name))
    m = body["message"]
    m["call"]["id"] = call_id
    m["call"].pop("metadata", None)
    overrides = m["call"].setdefault("assistantOverrides", {})
    overrides.pop("metadata", None)
    if org is not None:
        overrides["metadata"] = {"orgId": org}
    if assistant is not None:
        m["call"]["assistantId"] = assistant
    m.update(message_fields)
    return body


def sign(secret, raw, timestamp=None):
    ts = str(int(time.time() * 1000) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + raw, hashlib.sha256).hexdigest()
    return {"x-timestamp": ts, "x-signature": digest}


def post(gw, body, headers=None, raw=None):
    """POSTs to /api/webhooks/vapi; returns (status, parsed JSON body)."""
    data = raw if raw is not None else json.dumps(body).encode()
    req = urllib.request.Request(gw.url("/api/webhooks/vapi"), data=data, method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def post_signed(gw, secret, body):
    raw = json.dumps(body).encode()
    return post(gw, None, sign(secret, raw), raw=raw)
