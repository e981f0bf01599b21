"""/ws/live-calls subscriptions and POST /api/events (protocol sections 2, 3, 7)."""

import asyncio
import json
import signal
import time
import urllib.request

import pytest

from helpers import closed_with, connect, run
from tokens import hs256, user_token

SECRET = "e2e-jwt-secret-0123456789abcdef"
API_KEY = "e2e-publish-key"
CONFIG = f"""
[auth]
jwt_secret = "{SECRET}"
[publish]
api_keys = ["{API_KEY}"]
[origins]
allow = ["https://voxanne.ai"]
"""


def publish(gw, body, key=API_KEY):
    data = json.dumps(body).encode()
    req = urllib.request.Request(gw.url("/api/events"), data=data, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def transcript(org, text, user=None):
    env = {"orgId": org, "event": {"type": "transcript", "vapiCallId": "call-1",
                                   "speaker": "agent", "text": text, "is_final": True}}
    if user:
        env["userId"] = user
    return env


async def subscribe(gw, user, org, since=None, token=None, **options):
    """`options` go to the client library's connect (queue and size limits)."""
    ws = await connect(gw.ws_url("/ws/live-calls"), origin="https://voxanne.ai", **options)
    msg = {"type": "subscribe", "token": token or user_token(SECRET, user, org)}
    if since is not None:
        msg["since"] = since
    await ws.send(json.dumps(msg))
    reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert reply["type"] == "subscribed", reply
    return ws, reply


async def next_event(ws, timeout=10):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


def test_subscribe_and_receive_a_published_event(gateway):
    gw = gateway(CONFIG)

    async def scenario():
        ws, sub = await subscribe(gw, "user-1", "org-a")
        assert sub["userId"] == "user-1" and sub["orgId"] == "org-a"
        status, body = await asyncio.to_thread(publish, gw, transcript("org-a", "hello"))
        assert status == 202 and len(body["ids"]) == 1
        event = await next_event(ws)
        await ws.close()
        return body["ids"][0], event

    event_id, event = run(scenario())
    assert event["id"] == event_id and event["orgId"] == "org-a"
    assert event["type"] == "transcript" and event["text"] == "hello" and event["is_final"] is True


@pytest.mark.parametrize("token,reason", [
    (hs256(SECRET, {"sub": "u", "exp": int(time.time()) - 120,
                    "app_metadata": {"org_id": "o"}}), "Unauthorized: token expired"),
    (hs256("wrong-secret", {"sub": "u", "exp": int(time.time()) + 60,
                            "app_metadata": {"org_id": "o"}}), "Unauthorized: invalid token"),
    ("not.a.jwt", "Unauthorized: invalid token"),
    ("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.", "Unauthorized: invalid token"),
])
def test_bad_tokens_close_1008(gateway, token, reason):
    gw = gateway(CONFIG)

    async def scenario():
        ws = await connect(gw.ws_url("/ws/live-calls"))
        await ws.send(json.dumps({"type": "subscribe", "token": token}))
        return await closed_with(ws)

    assert run(scenario()) == (1008, reason)


def test_events_stay_in_their_org_and_with_their_user(gateway):
    gw = gateway(CONFIG)

    async def scenario():
        a1, _ = await subscribe(gw, "alice", "org-a")
        a2, _ = await subscribe(gw, "bob", "org-a")
        b1, _ = await subscribe(gw, "carol", "org-b")
        status, _ = await asyncio.to_thread(publish, gw, [
            transcript("org-a", "for alice only", user="alice"),
            transcript("org-b", "for org b"),
            transcript("org-a", "for all of org a"),
        ])
        assert status == 202
        got = {}
        for name, ws, n in (("alice", a1, 2), ("bob", a2, 1), ("carol", b1, 1)):
            got[name] = [(await next_event(ws))["text"] for _ in range(n)]
        # Nothing else arrives: a ping is answered before any stray event could.
        for ws in (a1, a2, b1):
            await ws.send(json.dumps({"type": "ping"}))
            assert (await next_event(ws))["type"] == "pong"
            await ws.close()
        return got

    got = run(scenario())
    assert got == {"alice": ["for alice only", "for all of org a"],
                   "bob": ["for all of org a"], "carol": ["for org b"]}


def test_recovery_with_since_after_a_disconnect(gateway):
    gw = gateway(CONFIG)

    async def scenario():
        ws, sub = await subscribe(gw, "u", "org-r")
        _, first = await asyncio.to_thread(publish, gw, transcript("org-r", "one"))
        last_seen = (await next_event(ws))["id"]
        await ws.close()
        _, missed = await asyncio.to_thread(
            publish, gw, [transcript("org-r", "two"), transcript("org-r", "three")])
        ws, sub = await subscribe(gw, "u", "org-r", since=last_seen)
        texts = [(await next_event(ws))["text"] for _ in range(2)]
        done = await next_event(ws)
        await ws.close()
        return sub, texts, done, missed["ids"]

    sub, texts, done, missed_ids = run(scenario())
    assert texts == ["two", "three"]
    assert done == {"type": "recovered", "count": 2, "complete": True}
    assert sub["lastEventId"] == missed_ids[-1]


def test_nothing_lost_across_kill_9_after_202(gateway):
    gw = gateway(CONFIG)
    status, body = publish(gw, transcript("org-k", "survives"))
    assert status == 202
    gw.expected_exit = -signal.SIGKILL
    gw.proc.send_signal(signal.SIGKILL)
    gw.proc.wait()
    gw2 = gateway(CONFIG)

    async def scenario():
        ws, sub = await subscribe(gw2, "u", "org-k", since="0")
        event = await next_event(ws)
        done = await next_event(ws)
        await ws.close()
        return sub, event, done

    sub, event, done = run(scenario())
    assert event["text"] == "survives" and event["id"] == body["ids"][0]
    assert done["type"] == "recovered" and done["count"] == 1
    assert sub["lastEventId"] == body["ids"][0]


def test_publish_errors(gateway):
    gw = gateway(CONFIG)
    assert publish(gw, transcript("o", "x"), key="wrong")[0] == 401
    status, body = publish(gw, {"orgId": "o", "event": {"type": "call_status",
                                                       "vapiCallId": "c", "status": "dancing"}})
    assert status == 400 and "status" in body["error"]
    status, body = publish(gw, [transcript("o", "fine"), {"event": {"type": "x"}}])
    assert status == 400 and "[1].orgId" in body["error"]
    status, body = publish(gw, {"orgId": "o", "event": {"type": "Bad-Type"}})
    assert status == 400 and "event.type" in body["error"]
    status, body = publish(gw, transcript("o", "x" * 70000))
    assert status == 413


def test_refresh_and_token_expiry(gateway):
    gw = gateway(CONFIG)

    first_exp = int(time.time()) + 2

    async def scenario():
        ws, _ = await subscribe(gw, "u", "org-t", token=user_token(SECRET, "u", "org-t", ttl=2))
        await ws.send(json.dumps({"type": "refresh",
                                  "token": user_token(SECRET, "other", "org-t")}))
        wrong_user = await next_event(ws)
        await ws.send(json.dumps({"type": "refresh", "token": user_token(SECRET, "u", "org-t", ttl=4)}))
        refreshed = await next_event(ws)
        closed = await closed_with(ws, timeout=20)
        return wrong_user, refreshed, closed

    wrong_user, refreshed, closed = run(scenario())
    assert wrong_user["type"] == "error"
    assert refreshed["type"] == "refreshed" and refreshed["exp"] > first_exp
    assert closed == (1008, "Unauthorized: token expired")


# 16 MB of events: 4 requests of 100 transcripts of 40 kB (needs [limits] body_bytes = 8MiB).
BIG_BATCHES, BIG_PER_BATCH = 4, 100


def publish_big_events(gw, org):
    """Publishes BIG_BATCHES * BIG_PER_BATCH large transcripts to `org`; returns their ids."""
    ids = []
    for b in range(BIG_BATCHES):
        status, body = publish(gw, [transcript(org, f"{b}-{i}-" + "x" * 40000)
                                    for i in range(BIG_PER_BATCH)])
        assert status == 202
        ids += body["ids"]
    return ids


def test_slow_consumer_is_closed_1013_and_recovers_everything(gateway):
    gw = gateway(CONFIG + '[limits]\nbody_bytes = "8MiB"\n[live]\nqueue_bytes = "256KiB"\n')

    async def scenario():
        # max_queue=1 and a small read limit: the client library stops reading from the socket.
        ws = await connect(gw.ws_url("/ws/live-calls"), max_queue=1, read_limit=4096,
                           max_size=None)
        await ws.send(json.dumps({"type": "subscribe", "token": user_token(SECRET, "u", "org-s")}))
        assert json.loads(await ws.recv())["type"] == "subscribed"
        ids = await asyncio.to_thread(publish_big_events, gw, "org-s")
        series = 'voxgate_ws_closes_total{route="/ws/live-calls",code="1013"}'
        for _ in range(300):
            if await asyncio.to_thread(gw.metric, series) >= 1:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the slow consumer was never closed")
        seen = []
        try:
            while True:
                seen.append(json.loads(await asyncio.wait_for(ws.recv(), 10))["id"])
        except Exception:
            pass
        code = ws.close_code
        ws2, _ = await subscribe(gw, "u", "org-s", since=seen[-1] if seen else "0")
        rest = []
        while True:
            msg = await next_event(ws2)
            if msg["type"] == "recovered":
                break
            rest.append(msg["id"])
        await ws2.close()
        return ids, seen, rest, code, msg

    ids, seen, rest, code, done = run(scenario())
    assert code == 1013
    assert seen + rest == ids, "every event exactly once, in order"
    assert done["complete"] is True


def test_a_recovery_larger_than_the_queue_is_paced_not_closed(gateway):
    # 16 MB of history against a 64 KiB queue: the answer to `since` waits for the client to
    # read it, and a live event published meanwhile follows it instead of closing 1013.
    gw = gateway(CONFIG + '[limits]\nbody_bytes = "8MiB"\n[live]\nqueue_bytes = "64KiB"\n')

    async def scenario():
        ids = await asyncio.to_thread(publish_big_events, gw, "org-r")
        # max_queue=1 and a small read limit: the client library stops reading from the socket.
        ws, _ = await subscribe(gw, "u", "org-r", since="0", max_queue=1, read_limit=4096,
                                max_size=None)
        await asyncio.sleep(0.5)  # the socket's buffers fill while the client reads nothing
        status, body = await asyncio.to_thread(publish, gw, transcript("org-r", "live"))
        assert status == 202
        ids += body["ids"]
        got = []
        while True:
            msg = await next_event(ws)
            if msg["type"] == "recovered":
                recovered = msg
            else:
                got.append(msg["id"])
            if msg.get("text") == "live":
                break
        status, body = await asyncio.to_thread(publish, gw, transcript("org-r", "after"))
        after = await next_event(ws)
        await ws.close()
        return ids, got, recovered, body["ids"][0], after

    ids, got, recovered, after_id, after = run(scenario())
    assert got == ids, "the history, then the live event, each exactly once"
    assert recovered == {"type": "recovered", "count": BIG_BATCHES * BIG_PER_BATCH,
                         "complete": True}
    assert after["id"] == after_id
    assert gw.metric('voxgate_ws_closes_total{route="/ws/live-calls",code="1013"}') == 0

