"""A keep-alive HTTP/1.1 client on asyncio streams, one request at a time: enough for voxgate's
JSON API and /metrics (Content-Length or chunked answers)."""

import asyncio
import json


class HttpError(Exception):
    """No usable answer: the connection failed or the answer could not be read."""


class _Stale(Exception):
    """The connection ended before the first byte of an answer."""


class HttpClient:
    def __init__(self, port, timeout=10.0):
        self.port = port
        self.timeout = timeout
        self._reader = None
        self._writer = None
        self._lock = asyncio.Lock()

    async def request(self, method, path, body=None, headers=None):
        """Returns (status, body bytes); raises HttpError when there is no answer."""
        async with self._lock:
            # A kept-alive connection the server closed while idle fails before any answer:
            # that request was never handled, so it goes again once on a new connection.
            reused = self._writer is not None and not self._writer.transport.is_closing()
            for attempt in (1, 2):
                try:
                    return await asyncio.wait_for(
                        self._exchange(method, path, body, headers or {}), self.timeout)
                except _Stale as e:
                    if reused and attempt == 1:
                        continue
                    error = e
                except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError,
                        ValueError) as e:
                    error = e
                self.close()
                raise HttpError(f"{method} {path}: {type(error).__name__} {error}")

    async def json(self, method, path, obj=None, headers=None):
        """Sends obj as JSON; returns (status, parsed answer or None)."""
        data = None if obj is None else json.dumps(obj, separators=(",", ":")).encode()
        h = {"Content-Type": "application/json", **(headers or {})}
        status, raw = await self.request(method, path, data, h)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, None

    def close(self):
        if self._writer is not None:
            self._writer.transport.abort()
        self._reader = self._writer = None

    async def _exchange(self, method, path, body, headers):
        if self._writer is None or self._writer.transport.is_closing():
            self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        body = body or b""
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        try:
            self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            await self._writer.drain()
            status_line = await self._reader.readuntil(b"\r\n")
        except (ConnectionError, asyncio.IncompleteReadError) as e:
            if isinstance(e, asyncio.IncompleteReadError) and e.partial:
                raise
            self.close()
            raise _Stale() from None
        status = int(status_line.split()[1])
        fields = {}
        while (line := await self._reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            fields[name.strip().lower()] = value.strip()
        if "chunked" in fields.get("transfer-encoding", "").lower():
            data = await self._read_chunked()
        else:
            data = await self._reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, data

    async def _read_chunked(self):
        data = b""
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while await self._reader.readuntil(b"\r\n") != b"\r\n":
                    pass  # trailers
                return data
            data += await self._reader.readexactly(size)
            await self._reader.readexactly(2)
