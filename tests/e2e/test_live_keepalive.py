"""Server pings, the close of a silent connection, and retention's complete:false."""

import asyncio
import base64
import json
import os
import socket
import struct
import time

from helpers import connect, run
from test_live_calls import CONFIG, SECRET, publish, subscribe, next_event, transcript
from tokens import user_token


def masked_frame(opcode, payload):
    mask = os.urandom(4)
    head = bytes([0x80 | opcode])
    n = len(payload)
    head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_frame(sock):
    def exact(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data
    b0, b1 = exact(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", exact(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", exact(8))[0]
    return b0 & 0x0F, exact(n)


def test_server_pings_and_closes_a_peer_that_never_answers(gateway):
    gw = gateway(CONFIG + '[live]\nping_interval = "1s"\nidle_timeout = "3s"\n')
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", gw.port), timeout=20) as s:
        s.sendall((f"GET /ws/live-calls HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(1)
        assert head.startswith(b"HTTP/1.1 101")
        token = user_token(SECRET, "u", "org-p")
        s.sendall(masked_frame(1, json.dumps({"type": "subscribe", "token": token}).encode()))
        opcodes = []
        close_payload = None
        while True:  # never answer a ping
            opcode, payload = read_frame(s)
            opcodes.append(opcode)
            if opcode == 8:
                close_payload = payload
                break
    assert 0x9 in opcodes, "the server sent a ping"
    code = struct.unpack("!H", close_payload[:2])[0]
    assert (code, close_payload[2:].decode()) == (1001, "idle timeout")


def test_answering_pings_keeps_a_quiet_connection_open(gateway):
    gw = gateway(CONFIG + '[live]\nping_interval = "1s"\nidle_timeout = "3s"\n')

    async def scenario():
        ws, _ = await subscribe(gw, "u", "org-q")  # websockets answers pings itself
        await asyncio.sleep(5)
        await ws.send(json.dumps({"type": "ping"}))
        reply = await next_event(ws)
        await ws.close()
        return reply

    assert run(scenario())["type"] == "pong"


def test_since_older_than_retention_says_incomplete(gateway):
    gw = gateway(CONFIG + "[history]\nmax_events_per_org = 5\n")
    status, body = publish(gw, [transcript("org-h", f"e{i}") for i in range(10)])
    assert status == 202
    # Retention runs right after the first batch is stored, then periodically.
    status, _ = publish(gw, transcript("org-h", "e10"))
    assert status == 202

    async def scenario():
        ws, _ = await subscribe(gw, "u", "org-h", since=body["ids"][0])
        events = []
        while True:
            msg = await next_event(ws)
            if msg["type"] == "recovered":
                break
            events.append(msg["text"])
        await ws.close()
        return events, msg

    events, done = run(scenario())
    assert done["complete"] is False
    # The first batch was cut to its newest 5; e10 came after that prune.
    assert events == [f"e{i}" for i in range(5, 11)]


def test_since_further_behind_than_retention_before_a_prune_gets_the_newest_window(gateway):
    # Retention prunes every 30 s: until then the store holds more than max_events_per_org.
    gw = gateway(CONFIG + "[history]\nmax_events_per_org = 50\n")
    status, first = publish(gw, [transcript("org-w", f"e{i}") for i in range(5)])
    assert status == 202
    status, rest = publish(gw, [transcript("org-w", f"e{i}") for i in range(5, 120)])
    assert status == 202
    ids = first["ids"] + rest["ids"]

    async def scenario():
        ws, subscribed = await subscribe(gw, "u", "org-w", since=ids[4])
        recovered = []
        while True:
            msg = await next_event(ws)
            if msg["type"] == "recovered":
                break
            recovered.append(msg)
        status, live = publish(gw, transcript("org-w", "e120"))
        assert status == 202
        after = await next_event(ws)
        await ws.close()
        return subscribed, recovered, msg, after, live

    subscribed, recovered, done, after, live = run(scenario())
    assert subscribed["lastEventId"] == ids[-1]
    # 115 events after `since`, 50 kept: the client is told, and what it gets joins the live
    # stream without a hole (the old slice e5..e55 followed by e120 lost e56..e119 silently).
    assert done["complete"] is False
    assert [e["text"] for e in recovered] == [f"e{i}" for i in range(70, 120)]
    assert after["id"] == live["ids"][0] and after["text"] == "e120"
