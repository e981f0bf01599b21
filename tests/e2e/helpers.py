"""Small independent clients for the end-to-end tests: raw HTTP upgrades and websockets."""

import asyncio
import base64
import os
import socket

import websockets


def upgrade_raw(port, path, origin=None, extra_headers=(), timeout=10):
    """Sends a WebSocket upgrade by hand; returns (status, headers dict, body text)."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    lines.extend(extra_headers)
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode().split("\r\n")
        status = int(status_line.split()[1])
        headers = {}
        for h in header_lines:
            k, _, v = h.partition(":")
            headers[k.strip().lower()] = v.strip()
        if status != 101:
            length = int(headers.get("content-length", "0"))
            while len(body) < length:
                chunk = s.recv(65536)
                if not chunk:
                    break
                body += chunk
        return status, headers, body.decode(errors="replace")


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


async def connect(url, origin=None, **kw):
    return await websockets.connect(url, origin=origin, open_timeout=10, **kw)


async def closed_with(ws, timeout=15):
    """Waits for the server's close; returns (code, reason)."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except websockets.ConnectionClosed as e:
        if e.rcvd is None:
            return (1006, "")
        return (e.rcvd.code, e.rcvd.reason)
