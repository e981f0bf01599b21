"""The fake Vapi itself, driven by plain clients (urllib, http.client, websockets), so the web
voice bridge tests can trust what it says about voxgate."""

import asyncio
import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.request
import uuid

import pytest
import websockets

from fake_vapi import DEFAULT_TRANSCRIPTS, INVALID_KEY, FakeVapi
from helpers import closed_with, run, upgrade_raw

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def call_body(**changes):
    body = {
        "assistantId": "asst-1",
        "transport": {"provider": "vapi.websocket",
                      "audioFormat": {"format": "pcm_s16le", "container": "raw",
                                      "sampleRate": 16000}},
        "assistantOverrides": {"metadata": {"orgId": "org-a", "userId": "user-1",
                                            "trackingId": str(uuid.uuid4())}},
    }
    body.update(changes)
    return body


def create(fake, body=None, key=None, raw=None, headers=None, timeout=10):
    """POST /call; returns (status, parsed JSON or raw text)."""
    data = raw if raw is not None else json.dumps(call_body() if body is None else body).encode()
    h = {"Content-Type": "application/json", "User-Agent": "voxgate-test"}
    if key is not False:
        h["Authorization"] = f"Bearer {fake.api_key if key is None else key}"
    h.update(headers or {})
    req = urllib.request.Request(fake.base_url + "/call", data=data, method="POST", headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            status, text = res.status, res.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def new_call(fake):
    status, call = create(fake)
    assert status == 201, call
    return call


async def open_call(fake, call, auth=True, **kw):
    """auth: True sends the right Bearer header, False none, a string that header value."""
    if auth is True:
        auth = f"Bearer {fake.api_key}"
    headers = {"Authorization": auth} if auth else {}
    return await websockets.connect(call["transport"]["websocketCallUrl"],
                                    extra_headers=headers, open_timeout=10, close_timeout=5,
                                    **kw)


async def recv_json(ws, timeout=10):
    message = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(message, str), message
    return json.loads(message)


async def connected(fake, call):
    """Opens the call's socket and consumes the status-update "in-progress"."""
    ws = await open_call(fake, call)
    assert await recv_json(ws) == {"type": "status-update", "status": "in-progress"}
    return ws


# ---- REST: POST /call


def test_create_call_answers_a_call_object_and_records_the_request(fake_vapi):
    body = call_body()
    status, call = create(fake_vapi, body)
    assert status == 201
    assert UUID_RE.match(call["id"])
    assert call["assistantId"] == "asst-1"
    assert call["type"] == "vapi.websocketCall"
    assert call["status"] == "queued"
    assert call["orgId"] == fake_vapi.org_id
    assert call["cost"] == 0
    assert call["createdAt"].endswith("Z") and call["updatedAt"].endswith("Z")
    assert call["transport"]["provider"] == "vapi.websocket"
    assert call["transport"]["websocketCallUrl"] == \
        f"ws://127.0.0.1:{fake_vapi.port}/{call['id']}/transport"
    assert call["assistantOverrides"] == body["assistantOverrides"]

    (req,) = fake_vapi.requests
    assert (req["method"], req["path"], req["status"]) == ("POST", "/call", 201)
    assert req["headers"]["authorization"] == f"Bearer {fake_vapi.api_key}"
    assert req["headers"]["content-type"] == "application/json"
    assert req["body"] == body
    fc = fake_vapi.wait_call()
    assert fc.id == call["id"] and fake_vapi.call(call["id"]) is fc
    assert fc.metadata == body["assistantOverrides"]["metadata"]
    assert fc.status == "queued" and fc.request is req


@pytest.mark.parametrize("key", [False, "wrong-key", ""])
def test_create_call_with_a_wrong_or_missing_key_answers_401(fake_vapi, key):
    status, answer = create(fake_vapi, key=key)
    assert status == 401
    assert answer == {"message": INVALID_KEY, "error": "Unauthorized", "statusCode": 401}
    assert not fake_vapi.calls
    assert fake_vapi.requests[0]["status"] == 401


def _transport(**audio):
    fmt = {"format": "pcm_s16le", "container": "raw", "sampleRate": 16000}
    fmt.update(audio)
    return {"provider": "vapi.websocket", "audioFormat": fmt}


@pytest.mark.parametrize("body, expected", [
    ({k: v for k, v in call_body().items() if k != "assistantId"},
     "assistantId must be a string"),
    (call_body(assistantId=""), "assistantId must be a string"),
    (call_body(transport={"provider": "daily", "audioFormat": _transport()["audioFormat"]}),
     "transport.provider must be one of the following values: vapi.websocket"),
    (call_body(transport={"provider": "vapi.websocket"}),
     "transport.audioFormat must be an object"),
    (call_body(transport=_transport(format="mulaw")),
     "transport.audioFormat.format must be 'pcm_s16le'"),
    (call_body(transport=_transport(container="wav")),
     "transport.audioFormat.container must be 'raw'"),
    (call_body(transport=_transport(sampleRate=8000)),
     "transport.audioFormat.sampleRate must be 16000"),
    (call_body(transport=_transport(sampleRate="16000")),
     "transport.audioFormat.sampleRate must be 16000"),
    ({k: v for k, v in call_body().items() if k != "transport"}, "transport must be an object"),
    (call_body(assistantOverrides={}), "assistantOverrides.metadata must be an object"),
    (call_body(assistantOverrides={"metadata": {"orgId": "o", "userId": "u"}}),
     "assistantOverrides.metadata.trackingId must be a non-empty string"),
    (call_body(assistantOverrides={"metadata": {"orgId": "", "userId": "u", "trackingId": "t"}}),
     "assistantOverrides.metadata.orgId must be a non-empty string"),
    (call_body(assistantOverrides={"metadata": {"orgId": "o", "userId": 7, "trackingId": "t"}}),
     "assistantOverrides.metadata.userId must be a non-empty string"),
    (call_body(metadata={"orgId": "o"}), "property metadata should not exist"),
    (call_body(phoneNumberId="p"), "phoneNumberId and phoneNumber are not allowed with the "
     "vapi.websocket transport"),
    ([call_body()], "body must be an object"),
])
def test_create_call_validates_the_body_with_vapis_400_shape(fake_vapi, body, expected):
    status, answer = create(fake_vapi, body)
    assert status == 400, answer
    assert answer["error"] == "Bad Request" and answer["statusCode"] == 400
    assert isinstance(answer["message"], list) and expected in answer["message"], answer
    assert not fake_vapi.calls


def test_create_call_refuses_non_json(fake_vapi):
    status, answer = create(fake_vapi, raw=b"{not json")
    assert status == 400 and answer["statusCode"] == 400 and answer["error"] == "Bad Request"
    status, answer = create(fake_vapi, raw=json.dumps(call_body()).encode(),
                            headers={"Content-Type": "text/plain"})
    assert status == 400 and "assistantId must be a string" in answer["message"]
    assert not fake_vapi.calls


def test_request_bodies_are_size_limited(fake_vapi):
    body = call_body(name="x" * (70 * 1024))
    status, answer = create(fake_vapi, body)
    assert status == 413 and answer["statusCode"] == 413
    assert not fake_vapi.calls


def test_keep_alive_and_chunked_bodies(fake_vapi):
    conn = http.client.HTTPConnection("127.0.0.1", fake_vapi.port, timeout=10)
    headers = {"Authorization": f"Bearer {fake_vapi.api_key}",
               "Content-Type": "application/json"}
    try:
        ids = []
        for _ in range(2):  # two requests on one connection
            conn.request("POST", "/call", body=json.dumps(call_body()), headers=headers)
            res = conn.getresponse()
            assert res.status == 201
            ids.append(json.loads(res.read())["id"])
        data = json.dumps(call_body()).encode()
        chunks = iter([data[:10], data[10:]])
        conn.request("POST", "/call", body=chunks, headers=headers, encode_chunked=True)
        res = conn.getresponse()
        assert res.status == 201, res.read()
        ids.append(json.loads(res.read())["id"])
        conn.request("GET", f"/call/{ids[0]}", headers=headers)
        res = conn.getresponse()
        record = json.loads(res.read())
        assert res.status == 200 and record["id"] == ids[0] and record["status"] == "queued"
    finally:
        conn.close()
    assert list(fake_vapi.calls) == ids
    assert [r["headers"].get("transfer-encoding") for r in fake_vapi.requests[:3]] == \
        [None, None, "chunked"]


def test_unknown_paths_answer_404_in_vapis_shape(fake_vapi):
    req = urllib.request.Request(fake_vapi.base_url + "/assistant")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 404
    assert json.loads(e.value.read()) == {"message": "Cannot GET /assistant",
                                          "error": "Not Found", "statusCode": 404}


# ---- REST switches


def test_create_status_switch_answers_errors(fake_vapi):
    message = "Couldn't Get Assistant. `assistantId` asst-1 Does Not Exist."
    fake_vapi.mode["create_status"] = 400
    fake_vapi.mode["create_message"] = message
    status, answer = create(fake_vapi)
    assert status == 400
    assert answer == {"message": message, "error": "Bad Request", "statusCode": 400}
    fake_vapi.mode.update(create_status=429, create_message=None)
    assert create(fake_vapi) == (429, {"message": "Too Many Requests",
                                       "error": "Too Many Requests", "statusCode": 429})
    fake_vapi.mode["create_status"] = 500
    assert create(fake_vapi) == (500, {"statusCode": 500, "message": "Internal server error"})
    fake_vapi.mode["create_status"] = 503
    assert create(fake_vapi) == (503, {"message": "Service Unavailable",
                                       "error": "Service Unavailable", "statusCode": 503})
    fake_vapi.mode["create_message"] = b"<html>502 Bad Gateway</html>"
    fake_vapi.mode["create_status"] = 502
    assert create(fake_vapi) == (502, "<html>502 Bad Gateway</html>")
    assert not fake_vapi.calls
    fake_vapi.mode.reset()
    assert create(fake_vapi)[0] == 201


def test_unknown_switches_are_refused():
    fake = FakeVapi()
    with pytest.raises(KeyError):
        fake.mode["create_stauts"] = 500
    with pytest.raises(KeyError):
        fake.mode.update(ws_close_after=3)


def test_slow_answer_holds_the_request_then_answers(fake_vapi):
    fake_vapi.mode["create_delay"] = 0.6
    start = time.monotonic()
    status, call = create(fake_vapi)
    assert status == 201 and UUID_RE.match(call["id"])
    assert time.monotonic() - start >= 0.55


def test_no_answer_until_the_client_gives_up_is_recorded(fake_vapi):
    fake_vapi.mode["create_delay"] = 60
    start = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        create(fake_vapi, timeout=0.5)
    assert time.monotonic() - start < 5
    # urllib closed its socket on the timeout: the fake notices and stops holding.
    fake_vapi.wait_until(lambda: fake_vapi.requests and fake_vapi.requests[0]["abandoned"],
                         timeout=5, what="the held request abandoned")
    req = fake_vapi.requests[0]
    assert req["status"] is None and 0.4 < req["abandoned_after"] < 5
    assert req["body"] is not None and not fake_vapi.calls


@pytest.mark.parametrize("how", ["no_url", "no_id", "no_transport", "not_json", "empty"])
def test_malformed_201(fake_vapi, how):
    fake_vapi.mode["create_malformed"] = how
    status, answer = create(fake_vapi)
    assert status == 201
    if how == "no_url":
        assert "websocketCallUrl" not in answer["transport"] and UUID_RE.match(answer["id"])
    elif how == "no_id":
        assert "id" not in answer and answer["transport"]["websocketCallUrl"]
    elif how == "no_transport":
        assert "transport" not in answer
    elif how == "not_json":
        assert answer.startswith("<html>")
    else:
        assert answer == ""


# ---- the call socket


def test_socket_echoes_binary_byte_exact_and_records_everything(fake_vapi):
    call = new_call(fake_vapi)
    # Audio whose first byte looks like JSON, invalid UTF-8, empty, and plain PCM.
    frames = [b'{"type":"x"}', b"[1,2]", b"{", b"[", b"\xff\xfe\x00\x01", b"",
              bytes(range(256)) * 3, b"\x00" * 640]

    async def go():
        ws = await connected(fake_vapi, call)
        got = []
        texts = []
        for f in frames:
            await ws.send(f)
        await ws.send('{"type":"say","content":"hi"}')
        while len(got) < len(frames):
            m = await asyncio.wait_for(ws.recv(), 10)
            (got if isinstance(m, bytes) else texts).append(m)
        await ws.close()
        return got, texts

    got, texts = run(go())
    assert got == frames
    # The transcripts come after the 3rd binary frame, in Vapi's bare shape.
    assert [json.loads(t) for t in texts] == list(DEFAULT_TRANSCRIPTS)
    fc = fake_vapi.call(call["id"]).wait_closed()
    assert fc.received == [("binary", f) for f in frames] + \
        [("text", '{"type":"say","content":"hi"}')]
    assert fc.binary_received() == frames
    assert fc.json_received() == [{"type": "say", "content": "hi"}]
    assert fc.bearer_sent and fc.connections == 1
    assert fc.upgrades[0]["status"] == 101
    assert fc.close_received == (1000, "") and fc.closed_by == "client"
    assert fc.status == "ended" and fc.ended_reason == "customer-ended-call"
    sent = fc.sent
    assert sent[0] == ("text", '{"type":"status-update","status":"in-progress"}')
    assert [p for k, p in sent if k == "binary"] == frames


def test_transcripts_order_relative_to_echoes(fake_vapi):
    fake_vapi.mode["transcript_after_frames"] = 2
    call = new_call(fake_vapi)

    async def go():
        ws = await connected(fake_vapi, call)
        seq = []
        for i in range(3):
            await ws.send(bytes([i]) * 4)
            seq.append(await asyncio.wait_for(ws.recv(), 10))
            if i == 1:
                for _ in DEFAULT_TRANSCRIPTS:
                    seq.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
        await ws.close()
        return seq

    seq = run(go())
    assert seq == [b"\x00" * 4, b"\x01" * 4, *DEFAULT_TRANSCRIPTS, b"\x02" * 4]


def test_fragmented_messages_large_messages_and_pings(fake_vapi):
    call = new_call(fake_vapi)
    big = bytes(range(256)) * 1024  # 256 KiB

    async def go():
        ws = await connected(fake_vapi, call)
        await ws.send([b"{ab", b"cd", b"ef"])  # one message in three frames
        assert await asyncio.wait_for(ws.recv(), 10) == b"{abcdef"
        await ws.send(["hel", "lo"])
        await ws.send(big)
        assert await asyncio.wait_for(ws.recv(), 10) == big
        pong = await ws.ping(b"p")
        await asyncio.wait_for(pong, 10)
        await ws.close()

    run(go())
    fc = fake_vapi.call(call["id"]).wait_closed()
    assert fc.received == [("binary", b"{abcdef"), ("text", "hello"), ("binary", big)]


def test_messages_over_the_size_limit_close_1009(fake_vapi):
    call = new_call(fake_vapi)

    async def go():
        ws = await connected(fake_vapi, call)
        await ws.send(b"\x00" * (1024 * 1024 + 1))
        return await closed_with(ws)

    assert run(go())[0] == 1009


def test_end_call_sends_ended_status_and_closes_1000(fake_vapi):
    call = new_call(fake_vapi)

    async def go():
        ws = await connected(fake_vapi, call)
        await ws.send(b"\x01\x02")
        assert await asyncio.wait_for(ws.recv(), 10) == b"\x01\x02"
        await ws.send('{"type":"end-call"}')
        ended = await recv_json(ws)
        return ended, await closed_with(ws)

    ended, close = run(go())
    assert ended == {"type": "status-update", "status": "ended",
                     "endedReason": "customer-ended-call"}
    assert close == (1000, "")
    fc = fake_vapi.call(call["id"]).wait_closed()
    assert fc.received[-1] == ("text", '{"type":"end-call"}')
    assert fc.closed_by == "end-call" and fc.close_sent == (1000, "")
    assert fc.status == "ended" and fc.ended_reason == "customer-ended-call"
    # An ended call cannot be joined again.
    status, _, body = upgrade_raw(fake_vapi.port, f"/{call['id']}/transport",
                                  extra_headers=[f"Authorization: Bearer {fake_vapi.api_key}"])
    assert status == 404 and json.loads(body)["statusCode"] == 404


def test_unknown_call_id_refuses_the_upgrade_with_404(fake_vapi):
    for path in (f"/{uuid.uuid4()}/transport", "/transport", "/call"):
        status, _, body = upgrade_raw(fake_vapi.port, path,
                                      extra_headers=[f"Authorization: Bearer {fake_vapi.api_key}"])
        assert status == 404, path
        assert json.loads(body) == {"message": "Not Found", "error": "Not Found",
                                    "statusCode": 404}
    assert [u["status"] for u in fake_vapi.upgrades] == [404, 404, 404]


def test_upgrade_without_bearer_is_refused_and_recorded(fake_vapi):
    call = new_call(fake_vapi)

    async def refused(**kw):
        with pytest.raises(websockets.InvalidStatusCode) as e:
            await open_call(fake_vapi, call, **kw)
        return e.value.status_code

    assert run(refused(auth=False)) == 401
    assert run(refused(auth="Bearer nope")) == 401
    fc = fake_vapi.call(call["id"])
    assert [u["authorization"] for u in fc.upgrades] == [None, "Bearer nope"]
    assert not fc.bearer_sent and fc.connections == 0

    fake_vapi.mode["ws_require_auth"] = False

    async def go():
        ws = await open_call(fake_vapi, call, auth=False)
        await recv_json(ws)
        await ws.close()

    run(go())
    assert fc.connections == 1 and not fc.bearer_sent and fc.upgrades[-1]["status"] == 101


def test_a_second_socket_on_a_live_call_is_refused(fake_vapi):
    call = new_call(fake_vapi)

    async def go():
        ws = await connected(fake_vapi, call)
        with pytest.raises(websockets.InvalidStatusCode) as e:
            await open_call(fake_vapi, call)
        await ws.close()
        return e.value.status_code

    assert run(go()) == 409


def test_ws_refuse_switch(fake_vapi):
    fake_vapi.mode["ws_refuse"] = 403
    call = new_call(fake_vapi)
    status, _, body = upgrade_raw(fake_vapi.port, f"/{call['id']}/transport",
                                  extra_headers=[f"Authorization: Bearer {fake_vapi.api_key}"])
    assert status == 403 and json.loads(body)["error"] == "Forbidden"
    assert fake_vapi.call(call["id"]).connections == 0


def test_close_right_after_opening(fake_vapi):
    fake_vapi.mode["ws_close_on_open"] = (1011, "transport failed")
    call = new_call(fake_vapi)

    async def go():
        ws = await open_call(fake_vapi, call)
        return await closed_with(ws)

    assert run(go()) == (1011, "transport failed")
    fc = fake_vapi.call(call["id"]).wait_closed()
    assert fc.closed_by == "provider" and fc.close_sent == (1011, "transport failed")
    assert fc.sent == []  # no status-update before the close


def test_abort_right_after_opening(fake_vapi):
    fake_vapi.mode["ws_close_on_open"] = "abort"
    call = new_call(fake_vapi)

    async def go():
        ws = await open_call(fake_vapi, call)
        return await closed_with(ws)

    assert run(go()) == (1006, "")
    assert fake_vapi.call(call["id"]).wait_closed().closed_by == "abort"


def test_close_mid_call_after_k_frames(fake_vapi):
    fake_vapi.mode.update(ws_close_after_frames=4, ws_close_with=(4000, "worker died"),
                          transcript_after_frames=None)
    call = new_call(fake_vapi)

    async def go():
        ws = await connected(fake_vapi, call)
        got = []
        for i in range(4):
            await ws.send(bytes([i]))
        while True:
            try:
                got.append(await asyncio.wait_for(ws.recv(), 10))
            except websockets.ConnectionClosed as e:
                return got, (e.rcvd.code, e.rcvd.reason)

    got, close = run(go())
    assert got == [b"\x00", b"\x01", b"\x02", b"\x03",
                   '{"type":"status-update","status":"ended","endedReason":"assistant-ended-call"}']
    assert close == (4000, "worker died")
    fc = fake_vapi.call(call["id"]).wait_closed()
    assert fc.closed_by == "provider" and fc.ended_reason == "assistant-ended-call"


def test_abort_mid_call_after_k_frames(fake_vapi):
    fake_vapi.mode.update(ws_close_after_frames=2, ws_close_with="abort")
    call = new_call(fake_vapi)

    async def go():
        ws = await connected(fake_vapi, call)
        await ws.send(b"a")
        await ws.send(b"b")
        return await closed_with(ws)

    assert run(go()) == (1006, "")
    fc = fake_vapi.call(call["id"]).wait_closed()
    assert fc.closed_by == "abort" and fc.binary_received() == [b"a", b"b"]


def test_a_test_drives_the_call(fake_vapi):
    fake_vapi.mode["transcript_after_frames"] = None
    call = new_call(fake_vapi)
    fc = fake_vapi.call(call["id"])

    async def go():
        ws = await connected(fake_vapi, call)
        await asyncio.to_thread(fc.wait_open)
        fake_vapi.send_text(call["id"], {"type": "speech-update", "status": "started",
                                         "role": "assistant", "turn": 0})
        fake_vapi.send_text(call["id"], "not json at all")
        fake_vapi.send_binary(call["id"], b"[agent audio]")
        fake_vapi.send_transcripts(call["id"], [{"type": "transcript", "role": "assistant",
                                                 "transcriptType": "final",
                                                 "transcript": "Hello"}])
        got = [await asyncio.wait_for(ws.recv(), 10) for _ in range(4)]
        await ws.send(b"caller")
        await asyncio.to_thread(fc.wait_received, 1, "binary")
        fake_vapi.close_call(call["id"], 4001, "bye", ended_reason="silence-timed-out")
        got.append(await asyncio.wait_for(ws.recv(), 10))  # the echo of b"caller"
        got.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
        return got, await closed_with(ws)

    got, close = run(go())
    assert got == ['{"type":"speech-update","status":"started","role":"assistant","turn":0}',
                   "not json at all", b"[agent audio]",
                   '{"type":"transcript","role":"assistant","transcriptType":"final",'
                   '"transcript":"Hello"}',
                   b"caller",
                   {"type": "status-update", "status": "ended",
                    "endedReason": "silence-timed-out"}]
    assert close == (4001, "bye")
    fc.wait_closed()
    assert fc.ended_reason == "silence-timed-out" and fc.status == "ended"
    with pytest.raises(RuntimeError):
        fake_vapi.send_text(call["id"], "too late")


def test_abort_call_from_a_test(fake_vapi):
    call = new_call(fake_vapi)

    async def go():
        ws = await connected(fake_vapi, call)
        fake_vapi.abort_call(call["id"])
        return await closed_with(ws)

    assert run(go()) == (1006, "")


def test_client_vanishing_is_recorded_as_eof(fake_vapi):
    call = new_call(fake_vapi)

    async def go():
        ws = await connected(fake_vapi, call)
        ws.transport.abort()

    run(go())
    fc = fake_vapi.call(call["id"]).wait_closed()
    assert fc.closed_by == "eof" and fc.close_received is None and fc.status == "ended"


def test_many_concurrent_calls(fake_vapi):
    calls = [new_call(fake_vapi) for _ in range(20)]
    fake_vapi.mode["transcript_after_frames"] = None

    async def one(call, n):
        ws = await connected(fake_vapi, call)
        frames = [bytes([n, i]) * 320 for i in range(50)]
        for f in frames:
            await ws.send(f)
        got = [await asyncio.wait_for(ws.recv(), 10) for _ in frames]
        await ws.close()
        return got == frames

    async def go():
        return await asyncio.gather(*(one(c, n) for n, c in enumerate(calls)))

    assert all(run(go()))
    for c in calls:
        assert len(fake_vapi.call(c["id"]).wait_closed().binary_received()) == 50


# ---- lifecycle


def test_context_manager_starts_and_stops():
    with FakeVapi(api_key="sk-test") as fake:
        port = fake.port
        assert fake.api_key == "sk-test"
        assert fake.base_url == f"http://127.0.0.1:{port}"
        config = fake.voxgate_config(assistant_id="asst-9", request_timeout="2s")
        assert config == ('[vapi]\nprovider = "vapi"\napi_key = "sk-test"\n'
                          f'base_url = "http://127.0.0.1:{port}"\nassistant_id = "asst-9"\n'
                          'request_timeout = "2s"\n')
        assert new_call(fake)["transport"]["websocketCallUrl"].startswith(
            f"ws://127.0.0.1:{port}/")
        thread = fake._thread
    assert not thread.is_alive() and not fake.errors
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    fake.stop()  # a second stop is harmless


def test_stop_cuts_held_requests_and_live_call_sockets_promptly():
    fake = FakeVapi().start()
    try:
        call = new_call(fake)
        fake.mode["create_delay"] = 60
        held = socket.create_connection(("127.0.0.1", fake.port), timeout=10)
        held.sendall(b"POST /call HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        fake.wait_requests(2)

        async def go():
            ws = await connected(fake, call)
            start = time.monotonic()
            await asyncio.to_thread(fake.stop)
            return time.monotonic() - start, await closed_with(ws, timeout=5)

        elapsed, close = run(go())
        assert elapsed < 2
        assert close == (1006, "")
        try:
            assert held.recv(100) == b""  # cut without an answer
        except ConnectionResetError:
            pass
        held.close()
        assert not fake.errors
    finally:
        fake.stop()


def test_idle_call_socket_is_closed_1001(fake_vapi):
    fake_vapi.mode["idle_timeout"] = 0.3
    call = new_call(fake_vapi)

    async def go():
        ws = await connected(fake_vapi, call)
        return await closed_with(ws)

    assert run(go()) == (1001, "idle")


def test_get_call_needs_the_key_and_reports_the_status(fake_vapi):
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(fake_vapi.base_url + "/call/x", timeout=10)
    assert e.value.code == 401
    call = new_call(fake_vapi)

    def get(call_id):
        req = urllib.request.Request(f"{fake_vapi.base_url}/call/{call_id}",
                                     headers={"Authorization": f"Bearer {fake_vapi.api_key}"})
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status, json.loads(res.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    assert get("nope")[0] == 404
    assert get(call["id"])[1]["status"] == "queued"

    async def go():
        ws = await connected(fake_vapi, call)
        in_progress = get(call["id"])[1]["status"]
        await ws.send('{"type":"end-call"}')
        await closed_with(ws)
        return in_progress

    assert run(go()) == "in-progress"
    fake_vapi.call(call["id"]).wait_closed()
    status, record = get(call["id"])
    assert (record["status"], record["endedReason"]) == ("ended", "customer-ended-call")
