"""Graceful shutdown: stop accepting, close WebSockets 1001, finish HTTP in flight."""

import signal
import socket
import time

from helpers import closed_with, connect, run

CONFIG = '[dev]\necho_route = true\n[origins]\nallow = ["https://voxanne.ai"]\n'


def test_sigterm_closes_websockets_with_1001_and_exits_zero(gateway):
    gw = gateway(CONFIG)

    async def scenario():
        a = await connect(gw.ws_url("/ws/echo"), origin="https://voxanne.ai")
        b = await connect(gw.ws_url("/ws/live-calls"), origin="https://voxanne.ai")
        gw.signal(signal.SIGTERM)
        return await closed_with(a), await closed_with(b)

    assert run(scenario()) == ((1001, "Going Away"), (1001, "Going Away"))
    assert gw.proc.wait(timeout=15) == 0
    gw.wait_for_log("voxgate stopped")


def test_http_request_in_flight_is_finished(gateway):
    gw = gateway(CONFIG)
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        # Wait until the server holds the partial request before stopping it.
        gw.wait_for_log("voxgate listening")
        time.sleep(0.3)
        mark = gw.log_mark()
        gw.signal(signal.SIGTERM)
        gw.wait_for_log("shutting down: closing WebSockets 1001, finishing HTTP requests", 10, mark)
        s.sendall(b"\r\n")
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    assert data.startswith(b"HTTP/1.1 200")
    assert b"Connection: close" in data
    assert gw.proc.wait(timeout=15) == 0


def test_new_connections_are_refused_after_stop(gateway):
    gw = gateway(CONFIG)
    port = gw.port
    gw.signal(signal.SIGTERM)
    assert gw.proc.wait(timeout=15) == 0
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        refused = False
    except OSError:
        refused = True
    assert refused
