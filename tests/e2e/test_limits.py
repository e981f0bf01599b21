"""Limits on what a client controls: header size, body size, slow clients, connections."""

import socket
import time

from conftest import raw_http
from helpers import closed_with, connect, run, upgrade_raw


def test_oversized_headers_get_431(gateway):
    gw = gateway("[limits]\nheader_bytes = \"4KiB\"\n")
    big = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8000 + b"\r\n\r\n"
    answer = raw_http(gw.port, big)
    assert answer.startswith(b"HTTP/1.1 431")
    assert b"[limits].header_bytes" in answer
    # Under the limit is fine.
    assert gw.get("/health", {"X-Small": "a" * 1000})[0] == 200


def test_oversized_body_gets_413(gateway):
    gw = gateway("[limits]\nbody_bytes = \"1KiB\"\n")
    req = (b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000)
    assert raw_http(gw.port, req).startswith(b"HTTP/1.1 413")


def test_client_sending_headers_one_byte_a_second_is_cut(gateway):
    gw = gateway('[limits]\nhandshake_timeout = "2s"\n')
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 40 + b"\r\n\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", gw.port), timeout=30) as s:
        try:
            for byte in request:
                s.sendall(bytes([byte]))
                sent += 1
                time.sleep(1)
                s.setblocking(False)
                try:
                    if s.recv(1) == b"":
                        break
                except BlockingIOError:
                    pass
                finally:
                    s.setblocking(True)
        except (BrokenPipeError, ConnectionResetError):
            pass
    # The server hung up long before the request head was complete.
    assert sent < len(request) // 2, f"server kept a slow client for {sent} bytes"


def test_slow_websocket_upgrade_is_cut_too(gateway):
    gw = gateway('[limits]\nhandshake_timeout = "2s"\n')
    with socket.create_connection(("127.0.0.1", gw.port), timeout=30) as s:
        s.sendall(b"GET /ws/live-calls HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
        s.settimeout(20)
        assert s.recv(1) == b""


def test_connection_limit_answers_503(gateway):
    gw = gateway("[limits]\nmax_connections = 3\n")
    held = [socket.create_connection(("127.0.0.1", gw.port)) for _ in range(3)]
    try:
        # Connections are counted at accept, in order, so the fourth is over the limit.
        answer = raw_http(gw.port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 503")
        assert b"Retry-After" in answer
    finally:
        for s in held:
            s.close()
    # The server sees the closes asynchronously; until then it is still at its limit.
    for _ in range(100):
        try:
            if gw.get("/health")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    assert gw.metric('voxgate_connections_rejected_total{reason="max_connections"}') >= 1


def test_websocket_message_over_limit_closes_1009(gateway):
    gw = gateway('[dev]\necho_route = true\n[limits]\nws_message_bytes = "1KiB"\n')

    async def scenario():
        ws = await connect(gw.ws_url("/ws/echo"), max_size=None)
        await ws.send("a" * 1000)
        assert await ws.recv() == "a" * 1000
        await ws.send("a" * 2000)
        return await closed_with(ws)

    assert run(scenario())[0] == 1009
