"""A fake Vapi for the end-to-end tests of the web voice bridge (protocol section 5).

It speaks the provider's real protocol over real sockets on 127.0.0.1, one port for both:

- REST: `POST /call` creates a `vapi.websocket` call (Bearer private key, Vapi's NestJS error
  shapes), `GET /call/<id>` answers the call's current record;
- the call WebSocket at `/<id>/transport` (the Call's `transport.websocketCallUrl`): binary
  frames are echoed back unchanged, Vapi's bare JSON client messages (`status-update`,
  `transcript`) are sent, `{"type":"end-call"}` ends the call.

Everything it receives is recorded for assertions, and `mode` switches make it misbehave the
ways the bridge must survive (4xx/5xx, slow or malformed answers, refused upgrades, sockets
closed right away or mid-call). The asyncio server runs in a background thread on an ephemeral
port; tests drive it from their own thread (or their own asyncio loop) through thread-safe
methods, and every wait is bounded.

Using it from a voxgate test (the `fake_vapi` fixture of conftest_fake_vapi.py):

    gw = gateway(fake_vapi.voxgate_config(request_timeout="2s"))  # [vapi] provider, api_key,
                                                                  # base_url, assistant_id
    fake_vapi.mode["create_status"] = 503          # switches: see DEFAULT_MODE
    ... POST /api/web-voice/start, attach the browser socket ...
    call = fake_vapi.wait_call()                   # the FakeCall voxgate created
    call.wait_received(3, "binary")                # what voxgate relayed upstream
    fake_vapi.send_text(call.id, {...})            # a provider message, now
    fake_vapi.close_call(call.id, 1000, "", "assistant-ended-call")
    assert call.bearer_sent and fake_vapi.requests[0]["body"]["assistantOverrides"] ...

Waits block the calling thread (bounded); from a test's asyncio code use
`await asyncio.to_thread(call.wait_received, 3, "binary")`. Commands (send_*, close_call,
abort_call) return once done on the server thread and raise when the socket is not open.

WebSocket framing is websockets' sans-I/O ServerConnection (websockets 10.4), so frames are
parsed and produced by the same library the tests' clients use; HTTP is parsed here because
websockets only understands GET requests.

Shapes come from ../shared/research/vapi-protocol.md section 1 (sample Call object, client
messages, control messages). The 401 message is the one Vapi sends for a wrong key.
"""

import asyncio
import copy
import json
import re
import secrets
import threading
import time
import traceback
import uuid
from datetime import datetime, timezone
from http import HTTPStatus

from websockets.connection import SEND_EOF, State
from websockets.frames import OP_BINARY, OP_CLOSE, OP_CONT, OP_TEXT
from websockets.server import ServerConnection

HOST = "127.0.0.1"
MAX_HEAD = 16 * 1024           # request line + headers
MAX_BODY = 64 * 1024           # REST request bodies
MAX_MESSAGE = 1024 * 1024      # WebSocket messages (larger: close 1009)
HEAD_TIMEOUT = 10.0            # to receive a request head on a fresh connection
KEEPALIVE_TIMEOUT = 30.0       # idle HTTP keep-alive connection
CLOSE_TIMEOUT = 5.0            # for the peer to finish a closing handshake
WRITE_TIMEOUT = 30.0           # for the peer to read what we wrote
COMMAND_TIMEOUT = 10.0         # for a test's command to run on the server thread

INVALID_KEY = ("Invalid Key. Hot tip, you may be using the private key instead of the public "
               "key, or vice versa.")

AUDIO_FORMAT = {"format": "pcm_s16le", "container": "raw", "sampleRate": 16000}

DEFAULT_TRANSCRIPTS = (
    {"type": "transcript", "role": "user", "transcriptType": "partial",
     "transcript": "I'd like to book"},
    {"type": "transcript", "role": "user", "transcriptType": "final",
     "transcript": "I'd like to book a table for two"},
    {"type": "transcript", "role": "assistant", "transcriptType": "final",
     "transcript": "Sure, what day would you like?"},
)

# CreateCallDTO's top-level properties (research doc 1.1); anything else is refused the way
# Vapi's whitelisting validation refuses it ("property x should not exist").
CREATE_CALL_FIELDS = {
    "assistantId", "assistant", "assistantOverrides", "assistantVersion", "squadId", "squad",
    "squadOverrides", "workflowId", "workflow", "workflowOverrides", "name", "customer",
    "customerId", "customers", "schedulePlan", "transport", "phoneNumberId", "phoneNumber",
}
TRANSPORT_FIELDS = {"provider", "conversationType", "audioFormat"}

DEFAULT_MODE = {
    # POST /call
    "create_status": None,        # int: answer it with Vapi's error shape instead of 201
    "create_message": None,       # that error's message (str or list; bytes: the whole raw
                                  # body, e.g. an HTML page); None: a default
    "create_delay": None,         # seconds to hold POST /call open before answering at all;
                                  # longer than the client's timeout = "no answer"
    "create_malformed": None,     # a 201 that is not a usable Call: "no_url" (transport without
                                  # websocketCallUrl), "no_id", "no_transport", "not_json", "empty"
    # the call socket
    "ws_require_auth": True,      # refuse (401) an upgrade without "Authorization: Bearer <key>"
    "ws_refuse": None,            # int: refuse every upgrade of a known call with this status
    "ws_close_on_open": None,     # (code, reason) or "abort": end right after the handshake
    "ws_close_after_frames": None,  # K: after echoing the K-th binary frame, end the call...
    "ws_close_with": (1000, ""),  # ...with this close (code, reason), or "abort" (TCP reset)
    "ws_ended_reason": "assistant-ended-call",  # status-update "ended" sent before a provider
                                  # close (not before "abort"); None: close without it
    "status_on_connect": True,    # send status-update "in-progress" once the socket is open
    "echo": True,                 # echo every binary message back unchanged
    "transcript_after_frames": 3,  # send `transcripts` after the N-th binary frame; None: only
                                  # on send_transcripts()
    "transcripts": DEFAULT_TRANSCRIPTS,
    "idle_timeout": 60.0,         # a call socket silent this long is closed 1001
    "pause_reading": False,       # True: read nothing from call sockets until set back
}


class Mode(dict):
    """The switches; an unknown key raises KeyError so a typo cannot pass silently."""

    def __init__(self):
        super().__init__(copy.deepcopy(DEFAULT_MODE))

    def __setitem__(self, key, value):
        if key not in DEFAULT_MODE:
            raise KeyError(f"unknown fake Vapi switch {key!r}; known: {sorted(DEFAULT_MODE)}")
        super().__setitem__(key, value)

    def update(self, *args, **kw):
        for k, v in dict(*args, **kw).items():
            self[k] = v

    def reset(self):
        super().clear()
        super().update(copy.deepcopy(DEFAULT_MODE))


def _now_iso():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json(obj):
    return json.dumps(obj, separators=(",", ":"))


def error_body(status, message=None):
    """Vapi's (NestJS) error shape: {"message", "error", "statusCode"}."""
    status = int(status)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    if message is None:
        message = {401: INVALID_KEY, 500: "Internal server error"}.get(status, phrase)
    if status == 500:  # NestJS's answer to an unhandled exception
        return {"statusCode": status, "message": message}
    return {"message": message, "error": phrase, "statusCode": status}


def validate_create(body):
    """The messages of a 400 for a POST /call body, empty when it is acceptable."""
    if not isinstance(body, dict):
        return ["body must be an object"]
    errors = [f"property {k} should not exist" for k in body if k not in CREATE_CALL_FIELDS]
    if "phoneNumberId" in body or "phoneNumber" in body:
        errors.append("phoneNumberId and phoneNumber are not allowed with the "
                      "vapi.websocket transport")
    aid = body.get("assistantId")
    if not isinstance(aid, str) or not aid:
        errors.append("assistantId must be a string")
    transport = body.get("transport")
    if not isinstance(transport, dict):
        errors.append("transport must be an object")
    else:
        errors += [f"transport.property {k} should not exist"
                   for k in transport if k not in TRANSPORT_FIELDS]
        if transport.get("provider") != "vapi.websocket":
            errors.append("transport.provider must be one of the following values: "
                          "vapi.websocket")
        fmt = transport.get("audioFormat")
        if not isinstance(fmt, dict):
            errors.append("transport.audioFormat must be an object")
        else:
            for key, want in AUDIO_FORMAT.items():
                got = fmt.get(key)
                # The fake wants exactly what voxgate's protocol sends (Vapi itself accepts
                # other rates and mulaw); bool is not a number here.
                if got != want or isinstance(got, bool):
                    errors.append(f"transport.audioFormat.{key} must be {want!r}")
            errors += [f"transport.audioFormat.property {k} should not exist"
                       for k in fmt if k not in AUDIO_FORMAT]
    overrides = body.get("assistantOverrides")
    metadata = overrides.get("metadata") if isinstance(overrides, dict) else None
    if not isinstance(metadata, dict):
        errors.append("assistantOverrides.metadata must be an object")
    else:
        for key in ("orgId", "userId", "trackingId"):
            if not isinstance(metadata.get(key), str) or not metadata[key]:
                errors.append(f"assistantOverrides.metadata.{key} must be a non-empty string")
    return errors


class HttpError(Exception):
    def __init__(self, status, message=None):
        super().__init__(status)
        self.status = status
        self.message = message


class FakeCall:
    """One created call and everything that happened on its socket. Read its fields under
    `fake.lock` (or through the methods, which do), since the server thread appends to them."""

    def __init__(self, fake, call_id, body, request):
        self._fake = fake
        self.id = call_id
        self.body = body                          # the POST /call body (parsed JSON)
        self.request = request                    # its record in fake.requests
        self.assistant_id = body.get("assistantId")
        self.metadata = (body.get("assistantOverrides") or {}).get("metadata")
        self.created_at = _now_iso()
        self.status = "queued"
        self.ended_reason = None
        self.upgrades = []        # every upgrade attempt: {"headers", "authorization", "status"}
        self.connections = 0      # accepted sockets
        self.open = False         # a socket is open now
        self.received = []        # ("binary", bytes) / ("text", str), whole messages, in order
        self.sent = []            # what the fake sent, same form (echoes included)
        self.close_received = None  # (code, reason) of the peer's close frame
        self.close_sent = None      # (code, reason) of the fake's close frame
        self.closed_by = None       # who ended the socket: "client" (its close frame),
                                    # "end-call" (its {"type":"end-call"}), "provider" (the
                                    # fake's close), "abort" (the fake's TCP reset) or "eof"
                                    # (TCP gone without a close frame)
        self.closed = False         # the TCP connection is gone
        self.binary_count = 0
        self._session = None

    @property
    def ws_url(self):
        return f"ws://{HOST}:{self._fake.port}/{self.id}/transport"

    @property
    def bearer_sent(self):
        """Whether the last upgrade carried `Authorization: Bearer <the api key>`."""
        with self._fake.lock:
            return bool(self.upgrades) and \
                self.upgrades[-1]["authorization"] == f"Bearer {self._fake.api_key}"

    def record(self):
        """The Call object as Vapi's API returns it."""
        call = {
            "id": self.id,
            "orgId": self._fake.org_id,
            "assistantId": self.assistant_id,
            "type": "vapi.websocketCall",
            "createdAt": self.created_at,
            "updatedAt": _now_iso(),
            "cost": 0,
            "status": self.status,
            "transport": {"provider": "vapi.websocket",
                          "audioFormat": dict(AUDIO_FORMAT),
                          "websocketCallUrl": self.ws_url},
        }
        if isinstance(self.body.get("assistantOverrides"), dict):
            call["assistantOverrides"] = self.body["assistantOverrides"]
        if self.ended_reason:
            call["endedReason"] = self.ended_reason
        return call

    def binary_received(self):
        with self._fake.lock:
            return [d for k, d in self.received if k == "binary"]

    def text_received(self):
        with self._fake.lock:
            return [d for k, d in self.received if k == "text"]

    def json_received(self):
        return [json.loads(t) for t in self.text_received()]

    def json_sent(self):
        with self._fake.lock:
            return [json.loads(d) for k, d in self.sent if k == "text"]

    def wait_open(self, timeout=10):
        self._fake.wait_until(lambda: self.connections > 0, timeout, f"call {self.id} socket")
        return self

    def wait_received(self, count, kind=None, timeout=10):
        """Waits until `count` messages (of `kind` "binary"/"text", or any) were received;
        returns them (payloads only when kind is given, else (kind, payload) pairs)."""
        def pick():
            return [d if kind else (k, d) for k, d in self.received if kind in (None, k)]
        self._fake.wait_until(lambda: len(pick()) >= count, timeout,
                              f"{count} {kind or 'any'} messages on call {self.id}")
        with self._fake.lock:
            return pick()

    def wait_closed(self, timeout=10):
        self._fake.wait_until(lambda: self.closed, timeout, f"call {self.id} socket closed")
        return self


class _Session:
    """One accepted call socket, used only on the server thread."""

    def __init__(self, call, conn, writer):
        self.call = call
        self.conn = conn
        self.writer = writer
        self.fragments = None     # (opcode, [chunks]) of a fragmented message in progress
        self.ended = False


class FakeVapi:
    """The fake. `with FakeVapi() as fake:` or start()/stop(); see the module docstring."""

    def __init__(self, api_key=None):
        self.api_key = api_key or "sk-fake-vapi-" + secrets.token_hex(8)
        self.org_id = str(uuid.uuid4())
        self.mode = Mode()
        self.lock = threading.RLock()
        self._cond = threading.Condition(self.lock)
        self.requests = []       # every HTTP request but upgrades: method, path, headers, ...
        self.upgrades = []       # every WebSocket upgrade attempt, whatever the path
        self.calls = {}          # id -> FakeCall, in creation order
        self.errors = []         # exceptions inside the fake (the fixture fails on any)
        self.port = None
        self._loop = None
        self._thread = None
        self._server = None
        self._tasks = {}         # connection task -> its StreamWriter
        self._stopping = None

    # ---- lifecycle

    @property
    def base_url(self):
        return f"http://{HOST}:{self.port}"

    def voxgate_config(self, assistant_id="asst-fake-default", **extra):
        """A `[vapi]` TOML section pointing voxgate at this fake; extra keys are added as
        given (strings quoted, e.g. request_timeout="2s")."""
        lines = ["[vapi]", 'provider = "vapi"', f'api_key = "{self.api_key}"',
                 f'base_url = "{self.base_url}"', f'assistant_id = "{assistant_id}"']
        lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
        return "\n".join(lines) + "\n"

    def start(self):
        ready = threading.Event()
        failure = []

        def main():
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self._stopping = asyncio.Event()
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._on_connection, HOST, 0, limit=MAX_HEAD))
                self.port = self._server.sockets[0].getsockname()[1]
            except Exception as e:  # pragma: no cover - a broken machine
                failure.append(e)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.close()

        self._thread = threading.Thread(target=main, name="fake-vapi", daemon=True)
        self._thread.start()
        if not ready.wait(10) or failure:
            raise RuntimeError(f"fake Vapi did not start: {failure}")
        return self

    def stop(self):
        """Closes the listener and every connection (held requests and call sockets are cut),
        then ends the thread."""
        if self._thread is None:
            return
        if self._loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        alive = self._thread.is_alive()
        self._thread = None
        if alive:
            raise RuntimeError("fake Vapi thread did not stop")

    async def _shutdown(self):
        self._stopping.set()
        self._server.close()
        # Cut every connection, then cancel its task, again until it ends: Python 3.11's
        # wait_for() can swallow a cancellation that races with its inner future finishing.
        deadline = time.monotonic() + 5
        while self._tasks and time.monotonic() < deadline:
            for task, writer in list(self._tasks.items()):
                writer.transport.abort()
                task.cancel()
            await asyncio.wait(list(self._tasks), timeout=0.2)
        if self._tasks:
            self._changed(lambda: self.errors.append(f"stop left {len(self._tasks)} tasks"))
        await asyncio.wait_for(self._server.wait_closed(), 5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- queries and waits (any thread)

    def wait_until(self, predicate, timeout=10, what="condition"):
        """Waits (bounded) until predicate() is true; it runs under the fake's lock."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"fake Vapi: timed out after {timeout} s waiting for "
                                         f"{what}; errors: {self.errors}")
                self._cond.wait(left)

    def wait_call(self, count=1, timeout=10):
        """Waits until `count` calls were created; returns the count-th one."""
        self.wait_until(lambda: len(self.calls) >= count, timeout, f"{count} created calls")
        with self.lock:
            return list(self.calls.values())[count - 1]

    def wait_requests(self, count=1, timeout=10):
        self.wait_until(lambda: len(self.requests) >= count, timeout, f"{count} requests")
        with self.lock:
            return list(self.requests)

    def call(self, call_id):
        with self.lock:
            return self.calls[call_id]

    @property
    def last_call(self):
        with self.lock:
            return list(self.calls.values())[-1] if self.calls else None

    def _changed(self, fn=None):
        with self._cond:
            if fn:
                fn()
            self._cond.notify_all()

    # ---- driving a call from a test (any thread but the fake's)

    def _command(self, coro):
        if self._thread is None:
            coro.close()
            raise RuntimeError("fake Vapi is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(COMMAND_TIMEOUT)

    def _session_of(self, call_id):
        call = self.calls.get(call_id)
        if call is None or call._session is None or call._session.ended:
            raise RuntimeError(f"call {call_id} has no open socket")
        return call._session

    def send_text(self, call_id, text):
        """Sends a text frame (a str, or a dict sent as JSON) on the call's socket."""
        if not isinstance(text, str):
            text = _json(text)

        async def go():
            s = self._session_of(call_id)
            await self._send(s, "text", text)
        self._command(go())

    def send_binary(self, call_id, data):
        async def go():
            s = self._session_of(call_id)
            await self._send(s, "binary", bytes(data))
        self._command(go())

    def send_transcripts(self, call_id, messages=None):
        """Sends transcript messages now (default: mode["transcripts"])."""
        async def go():
            s = self._session_of(call_id)
            for m in (self.mode["transcripts"] if messages is None else messages):
                await self._send(s, "text", m if isinstance(m, str) else _json(m))
        self._command(go())

    def close_call(self, call_id, code=1000, reason="", ended_reason=None):
        """Closes the call's socket from the provider side, first sending status-update
        "ended" with `ended_reason` when one is given."""
        async def go():
            s = self._session_of(call_id)
            await self._provider_close(s, (code, reason), ended_reason)
        self._command(go())

    def abort_call(self, call_id):
        """Drops the call's TCP connection without a close frame (the peer sees 1006)."""
        async def go():
            s = self._session_of(call_id)
            await self._provider_close(s, "abort", None)
        self._command(go())

    # ---- connections (server thread)

    async def _on_connection(self, reader, writer):
        task = asyncio.current_task()
        self._tasks[task] = writer
        try:
            await self._serve(reader, writer)
            writer.close()  # after what is still buffered
        except asyncio.CancelledError:
            writer.transport.abort()  # stop(): cut at once
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            writer.transport.abort()
        except Exception:
            error = traceback.format_exc()
            self._changed(lambda: self.errors.append(error))
            writer.transport.abort()
        finally:
            self._tasks.pop(task, None)

    async def _serve(self, reader, writer):
        first = True
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"),
                                              HEAD_TIMEOUT if first else KEEPALIVE_TIMEOUT)
            except (asyncio.LimitOverrunError, ValueError):
                await self._respond(writer, 431, error_body(431), close=True)
                return
            except (asyncio.IncompleteReadError, asyncio.TimeoutError):
                return
            first = False
            try:
                method, target, version, raw_headers = self._parse_head(head)
            except ValueError as e:
                await self._respond(writer, 400, error_body(400, str(e)), close=True)
                return
            headers = {}
            for name, value in raw_headers:
                k = name.lower()
                headers[k] = f"{headers[k]}, {value}" if k in headers else value
            path = target.split("?", 1)[0]
            if "websocket" in headers.get("upgrade", "").lower():
                await self._serve_upgrade(reader, writer, head, method, path, headers)
                return
            keep = await self._serve_rest(reader, writer, method, path, version, raw_headers,
                                          headers)
            if not keep:
                return

    @staticmethod
    def _parse_head(head):
        text = head.decode("latin-1")
        request_line, *lines = text[:-4].split("\r\n")
        parts = request_line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise ValueError(f"bad request line {request_line!r}")
        raw_headers = []
        for line in lines:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise ValueError(f"bad header line {line!r}")
            raw_headers.append((name, value.strip()))
        return parts[0], parts[1], parts[2], raw_headers

    async def _respond(self, writer, status, body, close=False, raw=None, extra=()):
        data = raw if raw is not None else _json(body).encode()
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Status"
        head = [f"HTTP/1.1 {status} {phrase}", f"Content-Length: {len(data)}",
                f"Date: {datetime.now(timezone.utc).strftime('%a, %d %b %Y %H:%M:%S GMT')}",
                "Connection: close" if close else "Connection: keep-alive", *extra]
        if raw is None:
            head.append("Content-Type: application/json; charset=utf-8")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await self._drain(writer)

    @staticmethod
    async def _drain(writer):
        """Waits (bounded) while the peer is not reading what was written."""
        transport = writer.transport
        if transport.is_closing() or \
                transport.get_write_buffer_size() <= transport.get_write_buffer_limits()[1]:
            return
        await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT)

    async def _read_body(self, reader, headers):
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                size_line = await asyncio.wait_for(reader.readuntil(b"\r\n"), HEAD_TIMEOUT)
                size = int(size_line.split(b";")[0].strip(), 16)
                if len(body) + size > MAX_BODY:
                    raise HttpError(413)
                if size == 0:
                    while await asyncio.wait_for(reader.readuntil(b"\r\n"), HEAD_TIMEOUT) \
                            != b"\r\n":
                        pass  # trailers
                    return body
                body += await asyncio.wait_for(reader.readexactly(size), HEAD_TIMEOUT)
                await asyncio.wait_for(reader.readexactly(2), HEAD_TIMEOUT)
        length = headers.get("content-length")
        if length is None:
            return b""
        if not length.isdigit():
            raise HttpError(400, "bad Content-Length")
        if int(length) > MAX_BODY:
            raise HttpError(413)
        return await asyncio.wait_for(reader.readexactly(int(length)), HEAD_TIMEOUT)

    async def _serve_rest(self, reader, writer, method, path, version, raw_headers, headers):
        """Answers one request; returns whether the connection stays open."""
        keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        entry = {"method": method, "path": path, "headers": headers, "raw_headers": raw_headers,
                 "raw": b"", "body": None, "status": None, "abandoned": False,
                 "time": time.monotonic()}
        try:
            raw = await self._read_body(reader, headers)
        except HttpError as e:
            status, message = e.status, e.message
            self._changed(lambda: (entry.update(status=status), self.requests.append(entry)))
            await self._respond(writer, status, error_body(status, message), close=True)
            return False
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        entry.update(raw=raw, body=body)
        self._changed(lambda: self.requests.append(entry))

        m = re.fullmatch(r"/call/([^/]+)", path)
        if method == "POST" and path == "/call":
            status, answer, raw_answer = await self._create_call(reader, entry, headers, raw,
                                                                 body)
            if status is None:
                return False  # held until the client left or the fake stopped
        elif method == "GET" and m:
            status, raw_answer = 200, None
            if headers.get("authorization") != f"Bearer {self.api_key}":
                status, answer = 401, error_body(401)
            elif m.group(1) not in self.calls:
                status, answer = 404, error_body(404, "Call not found")
            else:
                with self.lock:
                    answer = self.calls[m.group(1)].record()
        else:
            status, answer, raw_answer = 404, error_body(404, f"Cannot {method} {path}"), None
        self._changed(lambda: entry.update(status=status))
        await self._respond(writer, status, answer, close=not keep, raw=raw_answer)
        return keep

    async def _create_call(self, reader, entry, headers, raw, body):
        """Returns (status, JSON answer, raw answer bytes or None); status None = no answer."""
        delay = self.mode["create_delay"]
        if delay:
            # Hold the request: answer after `delay`, or never if the client goes away first
            # (recorded as abandoned, with how long it waited) or the fake stops.
            if await self._hold(reader, float(delay)):
                self._changed(lambda: entry.update(abandoned=True,
                                                   abandoned_after=time.monotonic() -
                                                   entry["time"]))
                return None, None, None
            if self._stopping.is_set():
                return None, None, None
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, error_body(401), None
        if self.mode["create_status"] is not None:
            status = int(self.mode["create_status"])
            message = self.mode["create_message"]
            if isinstance(message, bytes):  # e.g. a proxy's HTML error page
                return status, None, message
            return status, error_body(status, message), None
        if not raw:
            errors = validate_create({})
        elif body is None:
            return 400, error_body(400, "Unexpected token in JSON at position 0"), None
        elif "json" not in headers.get("content-type", "").lower():
            errors = validate_create({})  # NestJS parses no body without a JSON type
        else:
            errors = validate_create(body)
        if errors:
            return 400, error_body(400, errors), None

        call = FakeCall(self, str(uuid.uuid4()), body, entry)
        self._changed(lambda: self.calls.__setitem__(call.id, call))
        record = call.record()
        malformed = self.mode["create_malformed"]
        if malformed == "no_url":
            del record["transport"]["websocketCallUrl"]
        elif malformed == "no_id":
            del record["id"]
        elif malformed == "no_transport":
            del record["transport"]
        elif malformed == "not_json":
            return 201, None, b"<html><body>created</body></html>"
        elif malformed == "empty":
            return 201, None, b""
        elif malformed is not None:
            raise ValueError(f"unknown create_malformed {malformed!r}")
        return 201, record, None

    async def _hold(self, reader, delay):
        """Waits `delay` seconds; returns True as soon as the client closes its side (or
        resets), False when the delay ran out or the fake is stopping."""
        stopping = asyncio.ensure_future(self._stopping.wait())
        gone = None
        deadline = time.monotonic() + delay
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping.is_set():
                    return False
                gone = asyncio.ensure_future(reader.read(1))
                done, _ = await asyncio.wait({gone, stopping}, timeout=left,
                                             return_when=asyncio.FIRST_COMPLETED)
                if gone not in done:
                    continue
                try:
                    if gone.result() == b"":
                        return True
                    # A byte the client sent early (it does not pipeline): keep holding.
                except ConnectionError:
                    return True
        finally:
            stopping.cancel()
            if gone is not None:
                gone.cancel()

    # ---- the call socket (server thread)

    async def _serve_upgrade(self, reader, writer, head, method, path, headers):
        m = re.fullmatch(r"/([^/]+)/transport", path)
        call = self.calls.get(m.group(1)) if m else None
        attempt = {"path": path, "headers": headers, "call_id": call.id if call else None,
                   "authorization": headers.get("authorization"), "status": None}

        def refuse_status():
            if method != "GET":
                return 405
            if call is None or call.status == "ended":
                return 404
            if self.mode["ws_refuse"] is not None:
                return int(self.mode["ws_refuse"])
            if self.mode["ws_require_auth"] and \
                    attempt["authorization"] != f"Bearer {self.api_key}":
                return 401
            if call._session is not None and not call._session.ended:
                return 409
            return None

        refused = refuse_status()
        if refused is not None:
            def note():
                attempt["status"] = refused
                self.upgrades.append(attempt)
                if call:
                    call.upgrades.append(attempt)
            self._changed(note)
            await self._respond(writer, refused, error_body(refused), close=True)
            return

        conn = ServerConnection(max_size=MAX_MESSAGE)
        try:
            conn.receive_data(head)
            request = conn.events_received()[0]
        except Exception as e:
            self._changed(lambda: (attempt.update(status=400), self.upgrades.append(attempt)))
            await self._respond(writer, 400, error_body(400, f"bad upgrade: {e}"), close=True)
            return
        response = conn.accept(request)
        conn.send_response(response)
        session = _Session(call, conn, writer)

        def note_open():
            attempt["status"] = response.status_code
            self.upgrades.append(attempt)
            call.upgrades.append(attempt)
            if response.status_code == 101:
                call._session = session
                call.connections += 1
                call.open = True
                call.status = "in-progress"
        self._changed(note_open)
        await self._flush(session)
        if response.status_code != 101:
            return
        try:
            await self._run_session(reader, session)
        finally:
            def note_closed():
                session.ended = True
                call.open = False
                call.closed = True
                if call.closed_by is None:
                    call.closed_by = "eof"
                if call.status != "ended":
                    call.status = "ended"
                    call.ended_reason = call.ended_reason or "customer-ended-call"
            self._changed(note_closed)

    async def _run_session(self, reader, s):
        on_open = self.mode["ws_close_on_open"]
        if on_open is not None:
            await self._provider_close(s, on_open, None)
        elif self.mode["status_on_connect"]:
            await self._send(s, "text", _json({"type": "status-update",
                                               "status": "in-progress"}))
        while not s.ended:
            # Back-pressure tests: stop reading, so the socket's buffers fill up.
            while self.mode["pause_reading"] and not s.ended and not self._stopping.is_set():
                await asyncio.sleep(0.05)
            if s.conn.state is State.OPEN:
                timeout = float(self.mode["idle_timeout"])
            else:
                timeout = CLOSE_TIMEOUT
            try:
                data = await asyncio.wait_for(reader.read(65536), timeout)
            except asyncio.TimeoutError:
                if s.conn.state is State.OPEN:
                    await self._provider_close(s, (1001, "idle"), None)
                    continue
                return  # the peer never finished the closing handshake
            except ConnectionError:
                return
            if not data:
                s.conn.receive_eof()
                await self._flush(s)
                return
            s.conn.receive_data(data)
            for frame in s.conn.events_received():
                await self._on_frame(s, frame)
            await self._flush(s)
            if s.conn.state is State.CLOSED:
                return

    async def _on_frame(self, s, frame):
        if frame.opcode is OP_CLOSE:
            rcvd = s.conn.close_rcvd
            def note():
                s.call.close_received = (rcvd.code, rcvd.reason)
                if s.call.closed_by is None:
                    s.call.closed_by = "client"
                if s.conn.close_rcvd_then_sent:
                    s.call.close_sent = (rcvd.code, rcvd.reason)
            self._changed(note)
            return
        if frame.opcode in (OP_TEXT, OP_BINARY):
            if not frame.fin:
                s.fragments = (frame.opcode, [frame.data])
                return
            opcode, data = frame.opcode, frame.data
        elif frame.opcode is OP_CONT:
            s.fragments[1].append(frame.data)
            if not frame.fin:
                return
            opcode, data = s.fragments[0], b"".join(s.fragments[1])
            s.fragments = None
        else:
            return  # ping (answered by the connection) or pong
        if opcode is OP_BINARY:
            await self._on_binary(s, bytes(data))
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                s.conn.fail(1007, "invalid UTF-8")
                return
            await self._on_text(s, text)

    async def _on_binary(self, s, data):
        def note():
            s.call.received.append(("binary", data))
            s.call.binary_count += 1
            return s.call.binary_count
        with self._cond:
            n = note()
            self._cond.notify_all()
        if s.conn.state is not State.OPEN:
            return
        if self.mode["echo"]:
            await self._send(s, "binary", data)
        if self.mode["transcript_after_frames"] == n:
            for m in self.mode["transcripts"]:
                await self._send(s, "text", m if isinstance(m, str) else _json(m))
        if self.mode["ws_close_after_frames"] == n:
            await self._provider_close(s, self.mode["ws_close_with"],
                                       self.mode["ws_ended_reason"])

    async def _on_text(self, s, text):
        self._changed(lambda: s.call.received.append(("text", text)))
        try:
            message = json.loads(text)
        except ValueError:
            return
        if isinstance(message, dict) and message.get("type") == "end-call" \
                and s.conn.state is State.OPEN:
            self._changed(lambda: setattr(s.call, "closed_by", "end-call"))
            await self._provider_close(s, (1000, ""), "customer-ended-call")

    async def _send(self, s, kind, payload):
        """Sends one message; raises if the socket is no longer open."""
        if s.conn.state is not State.OPEN:
            raise RuntimeError(f"call {s.call.id} socket is {s.conn.state.name}")
        if kind == "text":
            s.conn.send_text(payload.encode("utf-8"))
        else:
            s.conn.send_binary(payload)
        self._changed(lambda: s.call.sent.append((kind, payload)))
        await self._flush(s)

    async def _provider_close(self, s, how, ended_reason):
        if s.conn.state is not State.OPEN:
            return
        if how == "abort":
            self._changed(lambda: (setattr(s.call, "closed_by", "abort"),
                                   setattr(s.call, "ended_reason",
                                           "phone-call-provider-closed-websocket")))
            s.writer.transport.abort()
            s.ended = True
            return
        code, reason = how
        if ended_reason:
            self._changed(lambda: setattr(s.call, "ended_reason", ended_reason))
            await self._send(s, "text", _json({"type": "status-update", "status": "ended",
                                               "endedReason": ended_reason}))

        def note():
            if s.call.closed_by is None:
                s.call.closed_by = "provider"
            s.call.close_sent = (code, reason)
            s.call.status = "ended"
        self._changed(note)
        s.conn.send_close(code, reason)
        await self._flush(s)

    async def _flush(self, s):
        for chunk in s.conn.data_to_send():
            if chunk == SEND_EOF:
                if s.writer.can_write_eof() and not s.writer.transport.is_closing():
                    s.writer.write_eof()
            elif not s.writer.transport.is_closing():
                s.writer.write(chunk)
        await self._drain(s.writer)
