"""Browser test calls (protocol section 5) through the real binary: a browser played by Python
websockets, the provider played by tests/e2e/fake_vapi.py (Vapi's REST call creation and call
WebSocket over real sockets) or voxgate's built-in echo agent, dashboards on /ws/live-calls."""

import asyncio
import json
import socket
import urllib.request

import pytest
import websockets

from helpers import closed_with, connect, run
from tokens import user_token

SECRET = "e2e-jwt-secret-0123456789abcdef"
ORG = "org-web"
BASE = f"""
[auth]
jwt_secret = "{SECRET}"
[live]
auth_timeout = "1s"
"""


def token(user="u-1", org=ORG):
    return user_token(SECRET, user, org)


def start_call(gw, user="u-1", org=ORG, body=None, auth=True, headers=None):
    data = json.dumps(body).encode() if body is not None else b""
    h = {"Content-Type": "application/json", **(headers or {})}
    if auth:
        h["Authorization"] = f"Bearer {token(user, org)}"
    req = urllib.request.Request(gw.url("/api/web-voice/start"), data=data, method="POST",
                                 headers=h)
    try:
        with urllib.request.urlopen(req, timeout=20) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def end_call(gw, tracking_id, user="u-1", org=ORG):
    req = urllib.request.Request(gw.url(f"/api/web-voice/{tracking_id}/end"), data=b"",
                                 method="POST",
                                 headers={"Authorization": f"Bearer {token(user, org)}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


async def attach(url, user="u-1", org=ORG):
    """Connects as the browser, authenticates, waits for ready."""
    ws = await connect(url)
    await ws.send(json.dumps({"type": "auth", "token": token(user, org)}))
    while True:
        msg = await asyncio.wait_for(ws.recv(), 10)
        if isinstance(msg, str) and json.loads(msg).get("type") == "ready":
            return ws


async def dashboard(gw, user="u-1", org=ORG):
    ws = await connect(gw.ws_url("/ws/live-calls"))
    await ws.send(json.dumps({"type": "subscribe", "token": token(user, org)}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "subscribed"
    return ws


async def events_until(ws, predicate, timeout=10):
    got = []
    while True:
        e = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        got.append(e)
        if predicate(e):
            return got


def audio_frames():
    """20 ms PCM frames, among them frames whose first byte is { or [ (audio that looks like
    JSON, which the platform's old bridge dropped)."""
    frames = [bytes((i * 7 + k) % 256 for k in range(640)) for i in range(10)]
    frames.insert(2, b"{" + bytes(639))
    frames.insert(5, b'["not json, just samples' + bytes(616))
    frames.insert(7, b'{"type":"end-call"}')  # binary: audio, not a command
    return frames


def test_a_call_through_fake_vapi_relays_audio_byte_exact_and_publishes_transcripts(
        gateway, fake_vapi):
    gw = gateway(BASE + fake_vapi.voxgate_config())
    status, started = start_call(gw)
    assert status == 200, started
    assert set(started) == {"trackingId", "vapiCallId", "bridgeWebsocketUrl"}
    assert started["bridgeWebsocketUrl"] == gw.ws_url(f"/api/web-voice/{started['trackingId']}")
    assert "u-1" not in started["bridgeWebsocketUrl"]
    call = fake_vapi.wait_call()
    assert call.body["assistantId"] == "asst-fake-default"
    assert call.metadata == {"orgId": ORG, "userId": "u-1", "trackingId": started["trackingId"]}
    assert started["vapiCallId"] == call.id
    frames = audio_frames()

    async def scenario():
        mine = await dashboard(gw)
        other = await dashboard(gw, "u-9", "org-elsewhere")
        browser = await attach(started["bridgeWebsocketUrl"])
        for f in frames:
            await browser.send(f)
        echoed, texts = [], []
        while len(echoed) < len(frames):
            msg = await asyncio.wait_for(browser.recv(), 10)
            (echoed if isinstance(msg, bytes) else texts).append(msg)
        events = await events_until(mine, lambda e: e["type"] == "transcript" and
                                    e["speaker"] == "agent" and e["is_final"])
        await browser.send(json.dumps({"type": "end-call"}))
        close = await closed_with(browser)
        events += await events_until(mine, lambda e: e["type"] == "call_ended")
        leaked = []
        try:
            while True:
                leaked.append(await asyncio.wait_for(other.recv(), 0.5))
        except asyncio.TimeoutError:
            pass
        return echoed, texts, events, close, leaked

    echoed, texts, events, close, leaked = run(scenario())
    assert echoed == frames  # every byte back, in order, including the JSON-looking ones
    assert call.binary_received() == frames
    assert any(json.loads(t).get("type") == "transcript" for t in texts)  # relayed unchanged
    assert close == (1000, "Session ended")
    assert {"type": "end-call"} in call.json_received()
    call.wait_closed()
    lines = [(e["speaker"], e["text"], e["is_final"]) for e in events if e["type"] == "transcript"]
    assert lines == [("customer", "I'd like to book", False),
                     ("customer", "I'd like to book a table for two", True),
                     ("agent", "Sure, what day would you like?", True)]
    assert all(e["orgId"] == ORG and e["trackingId"] == started["trackingId"] and
               e["vapiCallId"] == call.id for e in events)
    assert [e["type"] for e in events].count("call_ended") == 1
    assert [e for e in events if e["type"] == "call_ended"][0]["reason"] == "customer-ended-call"
    assert leaked == []

    req = urllib.request.Request(gw.url(f"/api/calls/{call.id}"),
                                 headers={"Authorization": f"Bearer {token()}"})
    with urllib.request.urlopen(req, timeout=10) as res:
        stored = json.loads(res.read())
    assert stored["trackingId"] == started["trackingId"] and stored["status"] == "ended"
    assert [(l["speaker"], l["text"]) for l in stored["transcript"]] == [
        ("customer", "I'd like to book a table for two"),
        ("agent", "Sure, what day would you like?")]
    assert fake_vapi.api_key not in "\n".join(gw.raw)
    assert call.bearer_sent


def test_the_echo_provider_plays_audio_back_and_describes_it(gateway):
    gw = gateway(BASE)  # no API key: the echo agent
    status, started = start_call(gw)
    assert status == 200, started
    second_of_audio = [bytes([0x00, 0x10]) * 320] * 50  # 50 x 20 ms at a steady level

    async def scenario():
        mine = await dashboard(gw)
        browser = await attach(started["bridgeWebsocketUrl"])
        for f in second_of_audio:
            await browser.send(f)
        echoed = []
        while len(echoed) < len(second_of_audio):
            msg = await asyncio.wait_for(browser.recv(), 10)
            if isinstance(msg, bytes):
                echoed.append(msg)
        heard = await events_until(mine, lambda e: e["type"] == "transcript")
        await browser.send(json.dumps({"type": "end-call"}))
        close = await closed_with(browser)
        ended = await events_until(mine, lambda e: e["type"] == "call_ended")
        return echoed, heard, close, ended

    echoed, heard, close, ended = run(scenario())
    assert echoed == second_of_audio
    line = heard[-1]
    assert line["speaker"] == "customer" and "1.0 s of audio" in line["text"]
    assert "dBFS" in line["text"]
    assert close == (1000, "Session ended")
    assert [e["type"] for e in ended].count("call_ended") == 1


@pytest.mark.parametrize("mode,status,words", [
    ({"create_status": 400, "create_message": "assistantId must be a UUID"}, 502,
     "assistantId must be a UUID"),
    ({"create_status": 500}, 502, "500"),
    ({"create_malformed": "no_url"}, 502, "websocketCallUrl"),
    ({"create_delay": 5.0}, 504, "did not answer"),
])
def test_provider_failures_map_to_502_and_504(gateway, fake_vapi, mode, status, words):
    gw = gateway(BASE + fake_vapi.voxgate_config(request_timeout="1s"))
    fake_vapi.mode.update(mode)
    got, body = start_call(gw)
    assert got == status and words in body["error"], body
    assert fake_vapi.api_key not in body["error"]


def test_start_needs_a_valid_user_token(gateway, fake_vapi):
    gw = gateway(BASE + fake_vapi.voxgate_config())
    assert start_call(gw, auth=False)[0] == 401
    assert start_call(gw, body={"assistantId": 42})[0] == 400
    assert fake_vapi.requests == []


def test_attach_failures_close_1008_with_the_protocol_reasons(gateway, fake_vapi):
    gw = gateway(BASE + fake_vapi.voxgate_config())
    status, started = start_call(gw)
    url = started["bridgeWebsocketUrl"]

    async def with_first(message, target=url):
        ws = await connect(target)
        if message is not None:
            await ws.send(message)
        return await closed_with(ws)

    not_found = (1008, "Session not found or unauthorized")
    assert run(with_first(None)) == (1008, "Unauthorized: no auth message")
    assert run(with_first(b"\x01\x02")) == (1008, "Unauthorized: no auth message")
    assert run(with_first(json.dumps({"type": "auth", "token": "bad.token.here"}))) == not_found
    assert run(with_first(json.dumps({"type": "auth", "token": token("someone-else")}))) == \
        not_found
    assert run(with_first(json.dumps({"type": "auth", "token": token("u-1", "org-other")}))) == \
        not_found
    unknown = gw.ws_url("/api/web-voice/6f1c1d3e-8a4b-4c1e-9d2f-0a1b2c3d4e5f")
    assert run(with_first(json.dumps({"type": "auth", "token": token()}), unknown)) == not_found
    bad_id = gw.ws_url("/api/web-voice/not-a-uuid")
    assert run(with_first(None, bad_id)) == (1008, "Invalid trackingId")
    # An ended session is not found either.
    assert end_call(gw, started["trackingId"])[0] == 200
    assert run(with_first(json.dumps({"type": "auth", "token": token()}))) == not_found


def test_the_provider_closing_first_closes_the_browser_and_ends_the_call_once(gateway,
                                                                              fake_vapi):
    gw = gateway(BASE + fake_vapi.voxgate_config())
    fake_vapi.mode.update({"ws_close_after_frames": 2, "ws_close_with": (1000, "bye"),
                           "ws_ended_reason": "assistant-ended-call",
                           "transcript_after_frames": None})
    status, started = start_call(gw)

    async def scenario():
        mine = await dashboard(gw)
        browser = await attach(started["bridgeWebsocketUrl"])
        for f in audio_frames()[:3]:
            await browser.send(f)
        close = await closed_with(browser)
        events = await events_until(mine, lambda e: e["type"] == "call_ended")
        await asyncio.sleep(0.3)
        late = []
        try:
            while True:
                late.append(json.loads(await asyncio.wait_for(mine.recv(), 0.5)))
        except asyncio.TimeoutError:
            pass
        return close, events + late

    close, events = run(scenario())
    assert close == (1000, "Vapi connection closed")
    ended = [e for e in events if e["type"] == "call_ended"]
    assert len(ended) == 1 and ended[0]["reason"] == "assistant-ended-call"


def test_a_vanished_browser_ends_the_call_upstream(gateway, fake_vapi):
    gw = gateway(BASE + fake_vapi.voxgate_config())
    status, started = start_call(gw)
    call = fake_vapi.wait_call()

    async def scenario():
        browser = await attach(started["bridgeWebsocketUrl"])
        await browser.send(audio_frames()[0])
        await asyncio.to_thread(call.wait_received, 1, "binary")
        # Gone without a close frame: the TCP connection is reset.
        sock = browser.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        browser.transport.abort()

    run(scenario())
    call.wait_closed()
    assert {"type": "end-call"} in call.json_received()


def test_a_second_browser_replaces_the_first(gateway, fake_vapi):
    gw = gateway(BASE + fake_vapi.voxgate_config())
    fake_vapi.mode["transcript_after_frames"] = None
    status, started = start_call(gw)
    call = fake_vapi.wait_call()

    async def scenario():
        first = await attach(started["bridgeWebsocketUrl"])
        second = await attach(started["bridgeWebsocketUrl"])
        replaced = await closed_with(first)
        await second.send(b"\x07" * 640)
        while True:
            msg = await asyncio.wait_for(second.recv(), 10)
            if isinstance(msg, bytes):
                break
        await second.close()
        return replaced, msg

    replaced, echoed = run(scenario())
    assert replaced == (1008, "New client attached")
    assert echoed == b"\x07" * 640
    assert call.connections == 1  # the provider socket outlived the replaced browser


def test_ending_through_the_api(gateway, fake_vapi):
    gw = gateway(BASE + fake_vapi.voxgate_config())
    status, started = start_call(gw)
    call = fake_vapi.wait_call()

    async def scenario():
        browser = await attach(started["bridgeWebsocketUrl"])
        assert (await asyncio.to_thread(end_call, gw, started["trackingId"], "u-2"))[0] == 404
        got = await asyncio.to_thread(end_call, gw, started["trackingId"])
        return got, await closed_with(browser)

    (status, body), close = run(scenario())
    assert status == 200 and body["ended"] is True
    assert close == (1000, "Session ended")
    call.wait_closed()
    assert {"type": "end-call"} in call.json_received()


def test_audio_is_dropped_and_counted_when_the_provider_falls_behind_but_text_never(
        gateway, fake_vapi):
    gw = gateway(BASE + fake_vapi.voxgate_config())
    fake_vapi.mode.update({"transcript_after_frames": None, "echo": False})
    status, started = start_call(gw)
    call = fake_vapi.wait_call()
    frame = bytes(range(256)) * 16  # 4 KiB
    sent_frames = 5000               # 20 MiB: far more than the provider's buffers hold

    async def scenario():
        browser = await attach(started["bridgeWebsocketUrl"])
        fake_vapi.mode["pause_reading"] = True
        for _ in range(sent_frames):
            await browser.send(frame)
        await browser.send(json.dumps({"type": "say", "content": "after the flood"}))
        dropped = 'voxgate_web_voice_audio_dropped_total{direction="to_provider"}'
        for _ in range(100):
            if gw.metric(dropped) > 0:
                break
            await asyncio.sleep(0.1)
        fake_vapi.mode["pause_reading"] = False
        await asyncio.to_thread(fake_vapi.wait_until,
                                lambda: any(m.get("type") == "say"
                                            for m in call.json_received()), 20, "the say")
        await browser.close()
        return gw.metric(dropped)

    dropped = run(scenario())
    received = len(call.binary_received())
    assert dropped > 0 and received + dropped == sent_frames
    assert all(f == frame for f in call.binary_received())  # what arrived is whole and unchanged
    assert {"type": "say", "content": "after the flood"} in call.json_received()


def test_limits_end_calls_that_run_too_long_or_are_never_attached(gateway, fake_vapi):
    gw = gateway(BASE + fake_vapi.voxgate_config(max_call_duration="2s",
                                                 unattached_timeout="1s"))

    async def scenario():
        mine = await dashboard(gw)
        _, long_call = await asyncio.to_thread(start_call, gw)
        browser = await attach(long_call["bridgeWebsocketUrl"])
        _, never = await asyncio.to_thread(start_call, gw)
        cut = await closed_with(browser)
        both = {long_call["trackingId"], never["trackingId"]}
        seen = set()

        def both_ended(e):
            if e["type"] == "call_ended":
                seen.add(e["trackingId"])
            return seen >= both

        ended = [e for e in await events_until(mine, both_ended, timeout=15)
                 if e["type"] == "call_ended"]
        late = await connect(never["bridgeWebsocketUrl"])
        await late.send(json.dumps({"type": "auth", "token": token()}))
        return cut, ended, await closed_with(late), long_call, never

    cut, ended, late, long_call, never = run(scenario())
    assert cut == (1000, "Session ended")
    reasons = {e["trackingId"]: e["reason"] for e in ended}
    assert reasons[long_call["trackingId"]] == "timeout"
    assert reasons.get(never["trackingId"]) == "not-attached"
    assert late == (1008, "Session not found or unauthorized")
