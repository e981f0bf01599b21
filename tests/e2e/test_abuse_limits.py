"""Per-client abuse limits ([limits] connections_per_ip, connection_rate_per_ip,
trusted_proxies, connections_per_user, publish_rate_per_key, test_calls_per_org,
subscribes_per_connection): each refusal is a clear answer and is counted in /metrics."""

import asyncio
import json
import socket
import time
import urllib.request

from conftest import raw_http
from helpers import closed_with, connect, run
from tokens import user_token

SECRET = "e2e-jwt-secret-0123456789abcdef"
API_KEYS = ["e2e-publish-key-one", "e2e-publish-key-two"]
BASE = f"""
[auth]
jwt_secret = "{SECRET}"
[publish]
api_keys = {json.dumps(API_KEYS)}
"""
HEALTH = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def limits(**values):
    lines = [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    return BASE + "[limits]\n" + "\n".join(lines) + "\n"


def keep_alive_request(port, headers=()):
    """A connection that has had one answered request and stays open; returns (socket, head)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(("GET /health HTTP/1.1\r\nHost: x\r\n" + "".join(h + "\r\n" for h in headers) +
               "\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return s, data


def head_of(answer):
    head = answer.split(b"\r\n\r\n", 1)[0].decode()
    status = int(head.split()[1])
    headers = {k.strip().lower(): v.strip()
               for k, _, v in (line.partition(":") for line in head.split("\r\n")[1:])}
    return status, headers


def until(check, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def refusals(gw, limit):
    return gw.metric(f'voxgate_limit_refusals_total{{limit="{limit}"}}')


def test_connections_per_ip_answers_503_with_retry_after_and_frees_on_close(gateway):
    gw = gateway(limits(connections_per_ip=3, connection_rate_per_ip=0))
    held = [socket.create_connection(("127.0.0.1", gw.port)) for _ in range(3)]
    try:
        answer = raw_http(gw.port, HEALTH)
        status, headers = head_of(answer)
        assert status == 503, answer
        assert int(headers["retry-after"]) >= 1
        assert b"[limits].connections_per_ip" in answer
    finally:
        for s in held:
            s.close()
    # The closes reach the server asynchronously; then the address has room again.
    assert until(lambda: head_of(raw_http(gw.port, HEALTH))[0] == 200)
    assert refusals(gw, "connections_per_ip") >= 1
    assert gw.metric('voxgate_connections_rejected_total{reason="connections_per_ip"}') >= 1
    line = gw.wait_for_log("client over a limit", limit="connections_per_ip")
    assert line["client"] == "127.0.0.1" and line["status"] == 503


def test_connection_rate_per_ip_answers_429_until_the_bucket_refills(gateway):
    # One a second, bursts of 2: a slow (sanitizer) build still sends the next four within it.
    gw = gateway(limits(connection_rate_per_ip=1))
    answers = [head_of(raw_http(gw.port, HEALTH)) for _ in range(6)]
    statuses = [status for status, _ in answers]
    assert statuses[:2] == [200] * 2, statuses
    assert 429 in statuses[2:], statuses
    retry = max(int(h["retry-after"]) for s, h in answers if s == 429)
    assert 1 <= retry <= 2
    time.sleep(retry)
    assert head_of(raw_http(gw.port, HEALTH))[0] == 200
    time.sleep(1)
    assert refusals(gw, "connection_rate_per_ip") >= 1


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(gateway):
    gw = gateway(limits(connections_per_ip=2, connection_rate_per_ip=0,
                        trusted_proxies=["127.0.0.0/8"]))
    # Both forwarded for one client: the third for it is refused, another client is not.
    a1, head1 = keep_alive_request(gw.port, ["X-Forwarded-For: 203.0.113.5"])
    a2, head2 = keep_alive_request(gw.port, ["X-Forwarded-For: 198.51.100.1, 203.0.113.5"])
    try:
        assert head_of(head1)[0] == 200 and head_of(head2)[0] == 200
        third = raw_http(gw.port, b"GET /health HTTP/1.1\r\nHost: x\r\n"
                                  b"X-Forwarded-For: 203.0.113.5\r\nConnection: close\r\n\r\n")
        status, headers = head_of(third)
        assert status == 503 and "retry-after" in headers, third
        other = raw_http(gw.port, b"GET /health HTTP/1.1\r\nHost: x\r\n"
                                  b"X-Forwarded-For: 203.0.113.6\r\nConnection: close\r\n\r\n")
        assert head_of(other)[0] == 200
    finally:
        a1.close()
        a2.close()
    line = gw.wait_for_log("client over a limit", limit="connections_per_ip")
    assert line["client"] == "203.0.113.5"


def test_without_trusted_proxies_a_forwarded_header_changes_nothing(gateway):
    gw = gateway(limits(connections_per_ip=1, connection_rate_per_ip=0))
    held, head = keep_alive_request(gw.port, ["X-Forwarded-For: 203.0.113.5"])
    try:
        assert head_of(head)[0] == 200
        spoofed = raw_http(gw.port, b"GET /health HTTP/1.1\r\nHost: x\r\n"
                                    b"X-Forwarded-For: 203.0.113.99\r\nConnection: close\r\n\r\n")
        assert head_of(spoofed)[0] == 503, "the peer address is what counts"
    finally:
        held.close()


async def subscriber(gw, user, org="org-a"):
    ws = await connect(gw.ws_url("/ws/live-calls"))
    await ws.send(json.dumps({"type": "subscribe", "token": user_token(SECRET, user, org)}))
    return ws


async def reply(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), 10))


def test_connections_per_user_closes_the_one_over_1008(gateway):
    gw = gateway(limits(connections_per_user=2))

    async def scenario():
        first = await subscriber(gw, "u-1")
        second = await subscriber(gw, "u-1")
        assert (await reply(first))["type"] == "subscribed"
        assert (await reply(second))["type"] == "subscribed"
        third = await subscriber(gw, "u-1")
        refused = await closed_with(third)
        other = await subscriber(gw, "u-2")
        assert (await reply(other))["type"] == "subscribed", "another user has own room"
        await first.close()
        # The closed socket's place comes back once the server has seen the close.
        for _ in range(100):
            again = await subscriber(gw, "u-1")
            try:
                if (await reply(again))["type"] == "subscribed":
                    break
            except Exception:
                await asyncio.sleep(0.05)
        else:
            raise AssertionError("u-1 never got its place back")
        for ws in (second, other, again):
            await ws.close()
        return refused

    assert run(scenario()) == (1008, "Too many connections for this user")
    assert refusals(gw, "connections_per_user") >= 1


def test_subscribes_per_connection_closes_a_connection_that_loops(gateway):
    gw = gateway(limits(subscribes_per_connection=3))

    async def scenario():
        ws = await subscriber(gw, "u-1")
        assert (await reply(ws))["type"] == "subscribed"
        token = user_token(SECRET, "u-1", "org-a")
        await ws.send(json.dumps({"type": "refresh", "token": token}))
        assert (await reply(ws))["type"] == "refreshed"
        await ws.send(json.dumps({"type": "subscribe", "token": token}))
        assert (await reply(ws))["type"] == "error"  # already subscribed: still counted
        await ws.send(json.dumps({"type": "refresh", "token": token}))
        return await closed_with(ws)

    assert run(scenario()) == (1008, "Too many subscribe attempts")
    assert refusals(gw, "subscribes_per_connection") == 1


def publish(gw, key):
    body = json.dumps({"orgId": "org-a", "event": {"type": "metrics_update", "metrics": {}}})
    req = urllib.request.Request(gw.url("/api/events"), data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, dict(res.headers), json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"{}")


def test_publish_rate_per_key_answers_429_per_key(gateway):
    gw = gateway(limits(publish_rate_per_key=1))  # bursts of 2
    answers = [publish(gw, API_KEYS[0]) for _ in range(4)]
    assert [a[0] for a in answers[:2]] == [202, 202], answers
    refused = [a for a in answers[2:] if a[0] == 429]
    assert refused, answers
    status, headers, body = refused[0]
    assert body["limit"] == "publish_rate_per_key"
    assert "[limits].publish_rate_per_key" in body["error"]
    assert int(headers["Retry-After"]) >= 1
    assert publish(gw, API_KEYS[1])[0] == 202, "the other key has its own rate"
    assert refusals(gw, "publish_rate_per_key") >= 1
    line = gw.wait_for_log("client over a limit", limit="publish_rate_per_key")
    assert line["client"] == "api key #1"
    assert API_KEYS[0] not in json.dumps(gw.logs), "a key never reaches the log"


def start_call(gw, user, org):
    req = urllib.request.Request(gw.url("/api/web-voice/start"), data=b"", method="POST",
                                 headers={"Authorization":
                                          f"Bearer {user_token(SECRET, user, org)}"})
    try:
        with urllib.request.urlopen(req, timeout=20) as res:
            return res.status, dict(res.headers), json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"{}")


def end_call(gw, tracking_id, user, org):
    req = urllib.request.Request(gw.url(f"/api/web-voice/{tracking_id}/end"), data=b"",
                                 method="POST",
                                 headers={"Authorization":
                                          f"Bearer {user_token(SECRET, user, org)}"})
    with urllib.request.urlopen(req, timeout=10) as res:
        return res.status


def test_test_calls_per_org_answers_429_until_one_ends(gateway):
    gw = gateway(limits(test_calls_per_org=1))  # no provider key: the echo agent
    status, _, first = start_call(gw, "u-1", "org-a")
    assert status == 200, first
    status, headers, body = start_call(gw, "u-2", "org-a")
    assert status == 429 and body["limit"] == "test_calls_per_org", body
    assert "[limits].test_calls_per_org" in body["error"] and int(headers["Retry-After"]) >= 1
    assert start_call(gw, "u-3", "org-b")[0] == 200, "another org has its own calls"
    assert end_call(gw, first["trackingId"], "u-1", "org-a") == 200
    assert until(lambda: start_call(gw, "u-2", "org-a")[0] == 200)
    assert refusals(gw, "test_calls_per_org") >= 1


def test_a_test_call_socket_counts_toward_connections_per_user(gateway):
    gw = gateway(limits(connections_per_user=1))
    status, _, started = start_call(gw, "u-1", "org-a")
    assert status == 200, started

    async def scenario():
        dash = await subscriber(gw, "u-1")
        assert (await reply(dash))["type"] == "subscribed"
        browser = await connect(started["bridgeWebsocketUrl"])
        await browser.send(json.dumps({"type": "auth",
                                       "token": user_token(SECRET, "u-1", "org-a")}))
        refused = await closed_with(browser)
        await dash.close()
        return refused

    assert run(scenario()) == (1008, "Too many connections for this user")
