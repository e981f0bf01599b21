"""POST /api/webhooks/vapi and the call history API (protocol sections 4 and 8), driven with
Vapi-shaped payloads from tests/fixtures/vapi, Python's hmac for signatures, Python websockets
for the dashboard and urllib for the API."""

import asyncio
import json
import time
import urllib.request

import pytest

from helpers import connect, run
from tokens import user_token
from vapi_client import FIXTURES, for_call, fixture, post, post_signed, sign

SECRET = "e2e-jwt-secret-0123456789abcdef"
API_KEY = "e2e-publish-key"
HOOK_SECRET = "vapi-hmac-secret-for-e2e"
BEARER = "vapi-bearer-token-for-e2e"
LEGACY = "vapi-legacy-secret-for-e2e"
ORG = "org-acme-dental"
OTHER = "org-other"
CONFIG = f"""
[auth]
jwt_secret = "{SECRET}"
[publish]
api_keys = ["{API_KEY}"]
[vapi]
webhook_secret = "{HOOK_SECRET}"
webhook_bearer_token = "{BEARER}"
webhook_legacy_secret = "{LEGACY}"
assistant_orgs = ["asst-mapped=org-mapped"]
"""


def api(gw, path, user="u-1", org=ORG, token=None):
    headers = {"Authorization": f"Bearer {token or user_token(SECRET, user, org)}"}
    status, _, body = gw.get(path, headers)
    return status, json.loads(body) if body else {}


def publish_marker(gw, org, text):
    body = json.dumps({"orgId": org, "event": {"type": "marker", "text": text}}).encode()
    req = urllib.request.Request(gw.url("/api/events"), data=body, method="POST",
                                 headers={"Authorization": f"Bearer {API_KEY}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as res:
        assert res.status == 202


async def subscribe(gw, user, org):
    ws = await connect(gw.ws_url("/ws/live-calls"))
    await ws.send(json.dumps({"type": "subscribe", "token": user_token(SECRET, user, org)}))
    reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert reply["type"] == "subscribed", reply
    return ws


async def events_until_marker(ws, marker, timeout=10):
    """Every event before the marker event with this text (which proves nothing else is in
    flight: events of one org are delivered in order)."""
    got = []
    while True:
        e = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if e["type"] == "marker" and e["text"] == marker:
            return got
        got.append(e)


def scripted_call(call_id, org=ORG):
    """ringing, in-progress, a partial then a final line of each speaker, the report."""
    ts = int(time.time() * 1000)
    return [
        for_call("status-update-ringing-phone", call_id, org, timestamp=ts),
        for_call("status-update-in-progress-web", call_id, org, timestamp=ts + 1),
        for_call("transcript-partial-user", call_id, org, timestamp=ts + 2,
                 transcript="I'd like to book"),
        for_call("transcript-partial-user", call_id, org, timestamp=ts + 3, transcriptType="final",
                 transcript="I'd like to book a cleaning."),
        for_call("transcript-final-assistant", call_id, org, timestamp=ts + 4,
                 transcriptType="partial", transcript="Sure, what"),
        for_call("transcript-final-assistant", call_id, org, timestamp=ts + 5,
                 transcript="Sure, what day works for you?"),
        for_call("end-of-call-report", call_id, org, timestamp=ts + 6),
    ]


def test_scripted_call_reaches_its_org_live_and_then_the_history_api(gateway):
    gw = gateway(CONFIG)
    call_id = "call-scripted-1"

    async def scenario():
        mine = await subscribe(gw, "u-1", ORG)
        other = await subscribe(gw, "u-2", OTHER)
        for body in scripted_call(call_id):
            status, reply = await asyncio.to_thread(post_signed, gw, HOOK_SECRET, body)
            assert status == 200 and reply["orgId"] == ORG, (status, reply)
        await asyncio.to_thread(publish_marker, gw, ORG, "end")
        await asyncio.to_thread(publish_marker, gw, OTHER, "end")
        got = await events_until_marker(mine, "end")
        leaked = await events_until_marker(other, "end")
        await mine.close()
        await other.close()
        return got, leaked

    got, leaked = run(scenario())
    assert leaked == []
    assert all(e["orgId"] == ORG and e["vapiCallId"] == call_id for e in got)
    shape = [(e["type"], e.get("status") or e.get("speaker"), e.get("is_final")) for e in got]
    assert shape == [
        ("call_status", "ringing", None),
        ("call_status", "in_progress", None),
        ("transcript", "customer", False),
        ("transcript", "customer", True),
        ("transcript", "agent", False),
        ("transcript", "agent", True),
        ("call_ended", None, None),
        ("recording_ready", None, None),
    ]
    assert got[3]["text"] == "I'd like to book a cleaning."
    report = fixture("end-of-call-report")["message"]
    assert got[6]["reason"] == report["endedReason"]
    assert got[6]["durationSeconds"] == 192  # 10:00:05.120 -> 10:03:17.480
    assert got[7]["recordingUrl"].startswith("https://")
    ids = [int(e["id"]) for e in got]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)

    status, page = api(gw, "/api/calls")
    assert status == 200 and [c["vapiCallId"] for c in page["calls"]] == [call_id]
    call = page["calls"][0]
    assert call["status"] == "ended" and call["orgId"] == ORG
    assert call["durationSeconds"] == 192 and call["endedReason"] == report["endedReason"]
    assert call["summary"] == report["analysis"]["summary"]
    assert call["recordingUrl"] == got[7]["recordingUrl"]
    assert call["customerNumber"] == "+14155550123"

    status, detail = api(gw, f"/api/calls/{call_id}")
    assert status == 200 and detail["vapiCallId"] == call_id
    spoken = [m for m in report["artifact"]["messages"] if m["role"] in ("user", "bot", "assistant")]
    assert [(l["speaker"], l["text"]) for l in detail["transcript"]] == [
        ("customer" if m["role"] == "user" else "agent", m["message"]) for m in spoken]

    # Another org: the call does not exist for it.
    assert api(gw, f"/api/calls/{call_id}", "u-2", OTHER)[0] == 404
    assert api(gw, "/api/calls", "u-2", OTHER)[1]["calls"] == []
    assert api(gw, "/api/calls/no-such-call")[0] == 404


def test_streamed_final_lines_are_the_transcript_until_the_report(gateway):
    gw = gateway(CONFIG)
    for body in scripted_call("call-streamed")[:6]:
        assert post_signed(gw, HOOK_SECRET, body)[0] == 200
    status, detail = api(gw, "/api/calls/call-streamed")
    assert status == 200 and detail["status"] == "in_progress"
    assert [(l["speaker"], l["text"]) for l in detail["transcript"]] == [
        ("customer", "I'd like to book a cleaning."), ("agent", "Sure, what day works for you?")]


def stale(raw):
    return sign(HOOK_SECRET, raw, int(time.time()) - 3600)


@pytest.mark.parametrize("headers", [
    pytest.param(lambda raw: {}, id="no-credentials"),
    pytest.param(lambda raw: sign("wrong-secret", raw), id="wrong-hmac-secret"),
    pytest.param(lambda raw: {**sign(HOOK_SECRET, raw), "x-signature": "0" * 64}, id="bad-signature"),
    pytest.param(stale, id="stale-timestamp"),
    pytest.param(lambda raw: sign(HOOK_SECRET, raw + b" "), id="body-changed-after-signing"),
    pytest.param(lambda raw: {"Authorization": "Bearer wrong"}, id="wrong-bearer"),
    pytest.param(lambda raw: {"x-vapi-secret": "wrong"}, id="wrong-legacy-secret"),
])
def test_wrong_or_missing_credentials_answer_401_and_store_nothing(gateway, headers):
    gw = gateway(CONFIG)
    raw = json.dumps(scripted_call("call-refused")[0]).encode()
    status, reply = post(gw, None, headers(raw), raw=raw)
    assert status == 401 and reply["error"]
    assert gw.metric('voxgate_webhooks_total{result="unauthorized"}') == 1
    assert api(gw, "/api/calls")[1]["calls"] == []
    assert api(gw, "/api/calls/call-refused")[0] == 404


@pytest.mark.parametrize("headers", [
    pytest.param({"Authorization": f"Bearer {BEARER}"}, id="bearer"),
    pytest.param({"x-vapi-secret": LEGACY}, id="legacy-x-vapi-secret"),
])
def test_bearer_and_legacy_credentials_are_accepted(gateway, headers):
    gw = gateway(CONFIG)
    status, reply = post(gw, scripted_call("call-bearer")[0], headers)
    assert status == 200 and reply["orgId"] == ORG
    assert api(gw, "/api/calls/call-bearer")[1]["status"] == "ringing"


def test_webhooks_refuse_everything_when_no_credential_is_configured(gateway):
    gw = gateway(f'[auth]\njwt_secret = "{SECRET}"\n')
    status, reply = post(gw, scripted_call("call-x")[0], {"x-vapi-secret": ""})
    assert status == 401 and "webhook" in reply["error"]


def test_a_repeated_delivery_produces_one_event_and_one_record(gateway):
    gw = gateway(CONFIG)
    final = scripted_call("call-dup")[3]

    async def scenario():
        ws = await subscribe(gw, "u-1", ORG)
        first = await asyncio.to_thread(post_signed, gw, HOOK_SECRET, final)
        again = await asyncio.to_thread(post_signed, gw, HOOK_SECRET, final)  # Vapi's retry
        await asyncio.to_thread(publish_marker, gw, ORG, "end")
        got = await events_until_marker(ws, "end")
        await ws.close()
        return first, again, got

    first, again, got = run(scenario())
    assert first[0] == 200 and len(first[1]["ids"]) == 1
    assert again[0] == 200 and again[1].get("duplicate") is True
    assert [e["text"] for e in got] == ["I'd like to book a cleaning."]
    assert len(api(gw, "/api/calls/call-dup")[1]["transcript"]) == 1
    assert gw.metric('voxgate_webhooks_total{result="duplicate"}') == 1


def test_unroutable_message_answers_202_counted_and_logged(gateway):
    gw = gateway(CONFIG)
    body = for_call("status-update-ringing-phone", "call-nowhere", org=None, assistant="asst-x")
    status, reply = post_signed(gw, HOOK_SECRET, body)
    assert status == 202 and reply["routed"] is False
    assert gw.metric('voxgate_webhooks_total{result="unroutable"}') == 1
    line = gw.wait_for_log("Vapi webhook has no org", vapiCallId="call-nowhere")
    assert line["assistantId"] == "asst-x" and "assistant_orgs" in line["fix"]


def test_an_assistant_mapped_in_config_routes_its_calls(gateway):
    gw = gateway(CONFIG)
    body = for_call("status-update-ringing-phone", "call-mapped", org=None, assistant="asst-mapped")
    status, reply = post_signed(gw, HOOK_SECRET, body)
    assert status == 200 and reply["orgId"] == "org-mapped"
    # Later messages of the call need no hint: the stored call names its org.
    later = for_call("status-update-ended-phone", "call-mapped", org=None, assistant="asst-other")
    assert post_signed(gw, HOOK_SECRET, later)[1]["orgId"] == "org-mapped"


@pytest.mark.parametrize("name,field", [
    ("malformed", "JSON"),
    ("missing-type", "message.type"),
    ("missing-call-id", "message.call.id"),
])
def test_malformed_bodies_answer_400_with_a_reason(gateway, name, field):
    gw = gateway(CONFIG)
    raw = (FIXTURES / f"{name}.json").read_bytes()
    status, reply = post(gw, None, sign(HOOK_SECRET, raw), raw=raw)
    assert status == 400 and field.lower() in reply["error"].lower(), reply
    assert gw.metric('voxgate_webhooks_total{result="malformed"}') == 1


@pytest.mark.parametrize("name", ["speech-update", "conversation-update", "hang", "tool-calls",
                                  "assistant-request"])
def test_other_message_types_answer_200_and_are_not_broadcast(gateway, name):
    gw = gateway(CONFIG)

    async def scenario():
        ws = await subscribe(gw, "u-1", ORG)
        body = fixture(name)
        body["message"].setdefault("call", {}).setdefault("assistantOverrides", {})["metadata"] = {
            "orgId": ORG}
        status, reply = await asyncio.to_thread(post_signed, gw, HOOK_SECRET, body)
        await asyncio.to_thread(publish_marker, gw, ORG, "end")
        got = await events_until_marker(ws, "end")
        await ws.close()
        return status, reply, got

    status, reply, got = run(scenario())
    assert status == 200 and reply["received"] == name
    assert got == []


def test_telephony_credentials_are_never_logged_or_stored(gateway):
    gw = gateway(CONFIG + '[log]\nlevel = "debug"\n')
    body = scripted_call("call-secret")[0]
    secrets = [body["message"]["phoneNumber"][k] for k in
               ("twilioAuthToken", "twilioApiSecret", "twilioApiKey")]
    assert post_signed(gw, HOOK_SECRET, body)[0] == 200
    unroutable = for_call("status-update-ringing-phone", "call-secret-2", org=None, assistant="a")
    assert post_signed(gw, HOOK_SECRET, unroutable)[0] == 202
    gw.wait_for_log("Vapi webhook has no org")
    shown = gw.wait_for_log("Vapi webhook without org")["body"]  # redacted, not withheld
    assert "call-secret-2" in shown and "[redacted]" in shown
    gw.stop()
    stored = b"".join(p.read_bytes() for p in gw.workdir.glob("voxgate.db*"))
    assert b"call-secret" in stored  # the call is in the file ...
    for secret in secrets:           # ... its credentials are not, nor in any log line
        assert secret.encode() not in stored
        assert all(secret not in line for line in gw.raw)


def test_calls_api_pages_and_filters(gateway):
    gw = gateway(CONFIG)
    for i in range(5):
        body = for_call("status-update-ringing-phone", f"call-page-{i}", ORG,
                        timestamp=int(time.time() * 1000) + i)
        assert post_signed(gw, HOOK_SECRET, body)[0] == 200
    ended = for_call("end-of-call-report", "call-page-4", ORG)
    assert post_signed(gw, HOOK_SECRET, ended)[0] == 200

    seen, cursor = [], None
    while True:
        path = "/api/calls?limit=2" + (f"&cursor={cursor}" if cursor else "")
        status, page = api(gw, path)
        assert status == 200 and len(page["calls"]) <= 2
        seen += [c["vapiCallId"] for c in page["calls"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert sorted(seen) == [f"call-page-{i}" for i in range(5)] and len(seen) == 5
    assert [c["vapiCallId"] for c in api(gw, "/api/calls?status=ended")[1]["calls"]] == [
        "call-page-4"]
    assert api(gw, "/api/calls?from=2999-01-01T00:00:00Z")[1]["calls"] == []
    for bad in ("status=bogus", "limit=0", "limit=101", "from=yesterday", "cursor=garbage",
                "sort=asc"):
        status, reply = api(gw, f"/api/calls?{bad}")
        assert status == 400 and reply["error"], bad
    status, _, _ = gw.get("/api/calls")
    assert status == 401
    assert api(gw, "/api/calls", token="not.a.jwt")[0] == 401
