"""An independent RFC 6455 conformance client for a WebSocket echo endpoint (stdlib only).

The server under test must echo every message unchanged with the same opcode (voxgate's
/ws/echo with [dev] echo_route = true). Each case sends raw frames over a plain socket and checks
the outcome: the echoed bytes, or the close code the server must answer with, and that the
server then closes the TCP connection. Usable as a module (run_all, run_case, cases) and as a
command:

    /usr/bin/python3 tests/e2e/rfc6455_client.py ws://127.0.0.1:8080/ws/echo --max-message 65536
"""

import argparse
import base64
import hashlib
import os
import socket
import sys
import time
import urllib.parse
from dataclasses import dataclass, field

CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
OPCODE_NAMES = {CONT: "continuation", TEXT: "text", BINARY: "binary", CLOSE: "close",
                PING: "ping", PONG: "pong"}
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
NO_STATUS = 1005  # how a close frame without a payload is reported (RFC 6455 7.1.5)

DEFAULT_MAX_MESSAGE = 64 * 1024  # voxgate's default [limits] ws_message_bytes
DEFAULT_TIMEOUT = 5.0


# ---------------------------------------------------------------------------------------------
# Frames


def _mask(data, key):
    n = len(data)
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


def frame(opcode, payload=b"", fin=True, rsv=0, mask=True):
    """One client frame, masked unless told otherwise; no limit is enforced on purpose."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    mask_bit = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        header = bytes([first, mask_bit | n])
    elif n < 1 << 16:
        header = bytes([first, mask_bit | 126]) + n.to_bytes(2, "big")
    else:
        header = bytes([first, mask_bit | 127]) + n.to_bytes(8, "big")
    if not mask:
        return header + payload
    key = os.urandom(4)
    return header + key + _mask(payload, key)


def close_payload(code, reason=b""):
    return code.to_bytes(2, "big") + reason


def fragments(opcode, payload, count):
    """The payload as `count` frames: opcode, continuations, the last with FIN."""
    size = -(-len(payload) // count) if payload else 0
    parts = [payload[i * size:(i + 1) * size] for i in range(count)]
    return [frame(opcode if i == 0 else CONT, part, fin=i == count - 1)
            for i, part in enumerate(parts)]


@dataclass
class Trickle:
    """Bytes sent a few at a time, so the server must reassemble frames from partial reads."""
    data: bytes
    chunk: int = 1
    pause: float = 0.002


@dataclass
class Await:
    """Waits for these answers before sending on: a server may drop replies it has not sent yet
    once a later frame fails the connection, so what must precede a failure is awaited."""
    expect: "Echo"


@dataclass
class ServerFrame:
    fin: bool
    rsv: int
    opcode: int
    masked: bool
    payload: bytes


# ---------------------------------------------------------------------------------------------
# Expected outcomes


@dataclass
class Echo:
    """The server answers with these messages (in order) and pongs (any order), then the client
    closes with 1000 and expects the server to answer 1000 and close the TCP connection."""
    messages: list = field(default_factory=list)  # (opcode, payload)
    pongs: list = field(default_factory=list)     # payloads


@dataclass
class Closes:
    """The server answers `before` (echoes and pongs), then closes with a code in `codes` and then
    closes the TCP connection."""
    codes: frozenset
    before: Echo = field(default_factory=Echo)


@dataclass
class Refuses:
    """The opening handshake is refused with a 4xx status (and `header` present, if named)."""
    header: str = ""
    header_value: str = ""


@dataclass
class Case:
    name: str
    summary: str
    send: list            # frames (bytes), Trickle, Await, or float pauses
    expect: object        # Echo, Closes or Refuses
    needs_message: int = 0  # skipped when the server's max message size is below this
    request_headers: dict = field(default_factory=dict)  # handshake header overrides; None drops


class CaseFailed(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Connection


class Connection:
    """One raw TCP connection speaking just enough RFC 6455 to judge the server."""

    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buffer = b""

    def close(self):
        self.sock.close()

    def handshake(self, host, port, path, overrides=None):
        """Sends the opening handshake; returns (status, headers) and keeps any frame bytes."""
        key = base64.b64encode(os.urandom(16)).decode()
        headers = {"Host": f"{host}:{port}", "Upgrade": "websocket", "Connection": "Upgrade",
                   "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13"}
        headers.update(overrides or {})
        lines = [f"GET {path} HTTP/1.1"]
        lines += [f"{k}: {v}" for k, v in headers.items() if v is not None]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buffer:
            chunk = self._recv()
            if not chunk:
                raise CaseFailed("the server closed the connection during the handshake")
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("iso-8859-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise CaseFailed(f"not an HTTP status line: {status_line!r}")
        got = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            got[name.strip().lower()] = value.strip()
        return int(parts[1]), got, key

    def open(self, host, port, path):
        """Handshake that must succeed, with every RFC 6455 4.1 check on the answer."""
        status, headers, key = self.handshake(host, port, path)
        if status != 101:
            raise CaseFailed(f"handshake answered {status}, expected 101")
        if "websocket" not in [t.strip().lower() for t in headers.get("upgrade", "").split(",")]:
            raise CaseFailed(f"101 without Upgrade: websocket ({headers.get('upgrade')!r})")
        if "upgrade" not in [t.strip().lower() for t in headers.get("connection", "").split(",")]:
            raise CaseFailed(f"101 without Connection: Upgrade ({headers.get('connection')!r})")
        expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            raise CaseFailed(f"Sec-WebSocket-Accept is {headers.get('sec-websocket-accept')!r}, "
                             f"expected {expected!r}")
        for name in ("sec-websocket-extensions", "sec-websocket-protocol"):
            if name in headers:
                raise CaseFailed(f"101 selects {name} {headers[name]!r} the client never offered")
        return headers

    def _recv(self):
        try:
            return self.sock.recv(65536)
        except socket.timeout:
            raise CaseFailed(f"no data from the server within {self.timeout:g} s") from None
        except ConnectionResetError:
            return b""

    def send(self, item):
        """Sends one item of a case; returns False once the server has shut the connection."""
        try:
            if isinstance(item, (int, float)):
                time.sleep(item)
            elif isinstance(item, Trickle):
                for i in range(0, len(item.data), item.chunk):
                    self.sock.sendall(item.data[i:i + item.chunk])
                    time.sleep(item.pause)
            else:
                self.sock.sendall(item)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def _exactly(self, n):
        while len(self.buffer) < n:
            chunk = self._recv()
            if not chunk:
                return None
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_frame(self):
        """The next server frame, or None when the server closed the TCP connection."""
        head = self._exactly(2)
        if head is None:
            return None
        fin, rsv, opcode = bool(head[0] & 0x80), (head[0] >> 4) & 7, head[0] & 0x0F
        masked, n = bool(head[1] & 0x80), head[1] & 0x7F
        if n >= 126:
            ext = self._exactly(2 if n == 126 else 8)
            if ext is None:
                return None
            n = int.from_bytes(ext, "big")
        key = self._exactly(4) if masked else b""
        payload = self._exactly(n)
        if key is None or payload is None:
            return None
        if masked:
            payload = _mask(payload, key)
        f = ServerFrame(fin, rsv, opcode, masked, payload)
        if f.masked:
            raise CaseFailed("the server masked a frame (RFC 6455 5.1: it must not)")
        if f.rsv:
            raise CaseFailed(f"the server set RSV bits {f.rsv:#x} without an extension")
        if f.opcode not in OPCODE_NAMES:
            raise CaseFailed(f"the server sent reserved opcode {f.opcode:#x}")
        return f

    def wait_closed(self):
        """After the close handshake the server must close the TCP connection, sending nothing."""
        if self.buffer:
            raise CaseFailed(f"the server sent {len(self.buffer)} bytes after its close frame")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                return
            if not chunk:
                return
            raise CaseFailed(f"the server sent {len(chunk)} bytes after its close frame")
        raise CaseFailed(f"the server did not close the TCP connection within {self.timeout:g} s "
                         "of the close handshake")


# ---------------------------------------------------------------------------------------------
# Judging


def _show(opcode, payload):
    text = payload[:24]
    more = "..." if len(payload) > 24 else ""
    return f"{OPCODE_NAMES.get(opcode, hex(opcode))} {len(payload)} bytes {text!r}{more}"


def parse_close(payload):
    """(code, reason) of a server close frame; raises when the frame itself is malformed."""
    if not payload:
        return NO_STATUS, ""
    if len(payload) == 1:
        raise CaseFailed("the server's close frame has a 1-byte payload")
    try:
        reason = payload[2:].decode("utf-8")
    except UnicodeDecodeError:
        raise CaseFailed("the server's close reason is not UTF-8") from None
    return int.from_bytes(payload[:2], "big"), reason


def receive(conn, expect, until_close):
    """Reads until every expected message and pong arrived (and, with until_close, a close
    frame); returns (code, reason) of that close frame or None."""
    messages, pongs = list(expect.messages), list(expect.pongs)
    partial_opcode, partial = None, b""
    while messages or pongs or until_close:
        f = conn.read_frame()
        if f is None:
            wanted = ("a close frame" if not (messages or pongs)
                      else f"{len(messages)} message(s) and {len(pongs)} pong(s)")
            raise CaseFailed(f"the server closed the TCP connection without {wanted}")
        if f.opcode == PING:
            conn.send(frame(PONG, f.payload))
        elif f.opcode == PONG:
            if f.payload not in pongs:
                raise CaseFailed(f"unexpected pong {f.payload[:24]!r}")
            pongs.remove(f.payload)
        elif f.opcode == CLOSE:
            code, reason = parse_close(f.payload)
            if messages or pongs:
                raise CaseFailed(f"the server closed with {code} {reason!r} before answering "
                                 f"{len(messages)} message(s) and {len(pongs)} pong(s)")
            return code, reason
        else:
            if f.opcode == CONT and partial_opcode is None:
                raise CaseFailed("the server sent a continuation frame with no message started")
            if f.opcode != CONT and partial_opcode is not None:
                raise CaseFailed("the server started a message inside another")
            if partial_opcode is None:
                partial_opcode = f.opcode
            partial += f.payload
            if not f.fin:
                continue
            got = (partial_opcode, partial)
            partial_opcode, partial = None, b""
            if not messages:
                raise CaseFailed(f"unexpected message: {_show(*got)}")
            want = messages.pop(0)
            if got != want:
                raise CaseFailed(f"echo differs: got {_show(*got)}, expected {_show(*want)}")
    return None


def judge(conn, case):
    expect = case.expect
    if isinstance(expect, Echo):
        receive(conn, expect, until_close=False)
        conn.send(frame(CLOSE, close_payload(1000, b"done")))
        code, reason = receive(conn, Echo(), until_close=True)
        if code != 1000:
            raise CaseFailed(f"the server answered our close 1000 with {code} {reason!r}")
        conn.wait_closed()
        n, p = len(expect.messages), len(expect.pongs)
        return f"{n} message(s) and {p} pong(s) as expected; closed 1000"
    code, reason = receive(conn, expect.before, until_close=True)
    if code not in expect.codes:
        raise CaseFailed(f"closed with {code} {reason!r}, expected {sorted(expect.codes)}")
    # Answer the close as a client does; the server may already have gone.
    conn.send(frame(CLOSE, close_payload(code) if code != NO_STATUS else b""))
    conn.wait_closed()
    return f"closed {code} {reason!r}"


def run_case(host, port, path, case, timeout=DEFAULT_TIMEOUT):
    """Runs one case on a fresh connection; returns (passed, detail)."""
    try:
        conn = Connection(host, port, timeout)
    except OSError as e:
        return False, f"cannot connect to {host}:{port}: {e}"
    try:
        if isinstance(case.expect, Refuses):
            status, headers, _ = conn.handshake(host, port, path, case.request_headers)
            if not 400 <= status < 500:
                return False, f"handshake answered {status}, expected a 4xx refusal"
            want = case.expect
            if want.header and want.header_value not in headers.get(want.header.lower(), ""):
                return False, (f"refused with {status} but without {want.header}: "
                               f"{want.header_value} (RFC 6455 4.4)")
            return True, f"refused with {status}"
        conn.open(host, port, path)
        for item in case.send:
            if isinstance(item, Await):
                receive(conn, item.expect, until_close=False)
            elif not conn.send(item):
                break
        return True, judge(conn, case)
    except CaseFailed as e:
        return False, str(e)
    except OSError as e:
        return False, f"socket error: {e}"
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# The cases


def _size_cases(max_message):
    out = []
    for opcode, kind in ((TEXT, "text"), (BINARY, "binary")):
        for size in (0, 125, 126, 65535, 65536):
            payload = b"*" * size if opcode == TEXT else bytes(i % 256 for i in range(size))
            out.append(Case(f"echo-{kind}-{size}", f"{kind} message of {size} bytes is echoed",
                            [frame(opcode, payload)], Echo([(opcode, payload)]),
                            needs_message=size))
    return out


def _close_code_cases():
    out = []
    # Codes a peer may send: RFC 6455 7.4.1, the IANA registry (1012 service restart, 1013 try
    # again later) and 3000-4999 for libraries and applications. The server answers the close,
    # echoing the code or with 1000 (as Autobahn 7.7.x expects).
    for code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 3000, 3999,
                 4000, 4999):
        out.append(Case(f"close-code-{code}-accepted", f"close {code} is answered",
                        [frame(CLOSE, close_payload(code, b"bye"))],
                        Closes(frozenset({code, 1000}))))
    # Codes that must never appear on the wire (Autobahn 7.9.x, plus 1015 which RFC 6455 7.4.1
    # forbids in a close frame): unused (<1000), reserved (1004), local-only (1005, 1006, 1015),
    # or unassigned in the protocol's range (1016-2999).
    for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999):
        out.append(Case(f"close-code-{code}-rejected", f"close {code} is a protocol error",
                        [frame(CLOSE, close_payload(code))], Closes(frozenset({1002}))))
    # Left open by the spec (Autobahn 7.13.x "undefined"): 1014 was registered with IANA after
    # RFC 6455 (Boost.Beast 1.81 still calls it reserved), and nothing defines codes >= 5000.
    # Either answer is fine, as long as the server closes cleanly.
    for code in (1014, 5000, 65535):
        out.append(Case(f"close-code-{code}-undefined",
                        f"close {code}: echo, 1000 or 1002, then a clean close",
                        [frame(CLOSE, close_payload(code))], Closes(frozenset({code, 1000, 1002}))))
    return out


def cases(max_message=DEFAULT_MAX_MESSAGE):
    """Every case, named the same whatever max_message is (so tests can be listed up front)."""
    kosme = "κόσμε".encode()
    emoji = "voice 🎙️ ok".encode()
    binary = bytes(range(256))
    over = max(max_message, 0) + 1
    protocol_error = frozenset({1002})
    bad_utf8 = frozenset({1007})
    too_big = frozenset({1009})

    out = [
        Case("handshake", "101 with Upgrade, Connection and the right Sec-WebSocket-Accept",
             [], Echo()),
        Case("handshake-bad-version", "Sec-WebSocket-Version 8 is refused naming version 13",
             [], Refuses("Sec-WebSocket-Version", "13"),
             request_headers={"Sec-WebSocket-Version": "8"}),
        Case("handshake-no-key", "an upgrade without Sec-WebSocket-Key is refused", [],
             Refuses(), request_headers={"Sec-WebSocket-Key": None}),
        *_size_cases(max_message),
        Case("echo-text-utf8", "multi-byte UTF-8 text is echoed",
             [frame(TEXT, kosme + emoji)], Echo([(TEXT, kosme + emoji)])),
        Case("echo-text-trickled", "a frame sent one byte at a time is reassembled",
             [Trickle(frame(TEXT, b"sent byte by byte"))], Echo([(TEXT, b"sent byte by byte")])),
        Case("echo-several-messages", "three messages in one write are echoed in order",
             [frame(TEXT, b"one") + frame(BINARY, b"two") + frame(TEXT, b"three")],
             Echo([(TEXT, b"one"), (BINARY, b"two"), (TEXT, b"three")])),
        Case("fragmented-text", "text in 5 fragments is echoed as one message",
             fragments(TEXT, b"fragmented text message!", 5),
             Echo([(TEXT, b"fragmented text message!")])),
        Case("fragmented-binary", "binary in 4 fragments is echoed as one message",
             fragments(BINARY, binary, 4), Echo([(BINARY, binary)])),
        Case("fragmented-empty-fragments", "empty fragments are part of a valid message",
             [frame(TEXT, b"", fin=False), frame(CONT, b"abc", fin=False), frame(CONT, b"")],
             Echo([(TEXT, b"abc")])),
        Case("fragmented-utf8-split-codepoint",
             "a valid code point split across fragments is accepted",
             [frame(TEXT, kosme[:3], fin=False), frame(CONT, kosme[3:8], fin=False),
              frame(CONT, kosme[8:])], Echo([(TEXT, kosme)])),
        Case("fragmented-large", "64 KiB binary in 4 fragments is echoed",
             fragments(BINARY, bytes(i % 251 for i in range(65536)), 4),
             Echo([(BINARY, bytes(i % 251 for i in range(65536)))]), needs_message=65536),
        Case("ping-payload", "ping with a payload is answered by a pong with the same payload",
             [frame(PING, b"are you there?")], Echo(pongs=[b"are you there?"])),
        Case("ping-empty", "ping without payload is answered by an empty pong",
             [frame(PING)], Echo(pongs=[b""])),
        Case("ping-125", "ping with the largest control payload (125 bytes) is answered",
             [frame(PING, bytes(range(125)))], Echo(pongs=[bytes(range(125))])),
        Case("ping-between-fragments", "a ping between fragments is answered, message intact",
             [frame(TEXT, b"Hello, ", fin=False), frame(PING, b"mid"),
              frame(CONT, b"world", fin=False), frame(PING, b"mid2"), frame(CONT, b"!")],
             Echo([(TEXT, b"Hello, world!")], pongs=[b"mid", b"mid2"])),
        Case("pong-unsolicited", "an unsolicited pong is ignored",
             [frame(PONG, b"unasked"), frame(TEXT, b"after the pong")],
             Echo([(TEXT, b"after the pong")])),
        Case("utf8-invalid-byte", "text with byte 0xFF closes 1007",
             [frame(TEXT, b"ab\xffcd")], Closes(bad_utf8)),
        Case("utf8-overlong", "an overlong encoding closes 1007",
             [frame(TEXT, b"\xc0\xaf")], Closes(bad_utf8)),
        Case("utf8-surrogate", "an encoded UTF-16 surrogate closes 1007",
             [frame(TEXT, kosme + b"\xed\xa0\x80edited")], Closes(bad_utf8)),
        Case("utf8-above-max-codepoint", "a code point above U+10FFFF closes 1007",
             [frame(TEXT, b"\xf4\x90\x80\x80")], Closes(bad_utf8)),
        Case("utf8-truncated", "a message that ends inside a code point closes 1007",
             [frame(TEXT, kosme[:-1])], Closes(bad_utf8)),
        Case("utf8-invalid-across-fragments", "invalid UTF-8 split across fragments closes 1007",
             [frame(TEXT, kosme + b"\xce", fin=False), frame(CONT, b"\x41 plain")],
             Closes(bad_utf8)),
        Case("utf8-invalid-after-valid-message", "a valid message is echoed, the bad one closes",
             [frame(TEXT, b"fine"), Await(Echo([(TEXT, b"fine")])), frame(TEXT, b"\xed\xbf\xbf")],
             Closes(bad_utf8)),
        Case("protocol-error-after-ping", "a ping is answered, then an orphan continuation "
             "closes 1002", [frame(PING, b"first"), Await(Echo(pongs=[b"first"])),
                             frame(CONT, b"orphan")], Closes(protocol_error)),
        Case("unmasked-frame", "an unmasked client frame closes 1002",
             [frame(TEXT, b"no mask", mask=False)], Closes(protocol_error)),
        Case("rsv1-text", "RSV1 without a negotiated extension closes 1002",
             [frame(TEXT, b"rsv1", rsv=4)], Closes(protocol_error)),
        Case("rsv2-binary", "RSV2 closes 1002", [frame(BINARY, b"rsv2", rsv=2)],
             Closes(protocol_error)),
        Case("rsv3-ping", "RSV3 on a control frame closes 1002", [frame(PING, b"x", rsv=1)],
             Closes(protocol_error)),
        Case("opcode-3", "reserved data opcode 3 closes 1002", [frame(0x3, b"x")],
             Closes(protocol_error)),
        Case("opcode-7", "reserved data opcode 7 closes 1002", [frame(0x7)],
             Closes(protocol_error)),
        Case("opcode-b", "reserved control opcode 0xB closes 1002", [frame(0xB, b"x")],
             Closes(protocol_error)),
        Case("opcode-f", "reserved control opcode 0xF closes 1002", [frame(0xF)],
             Closes(protocol_error)),
        Case("ping-126", "a 126-byte ping (control frame over 125) closes 1002",
             [frame(PING, b"p" * 126)], Closes(protocol_error)),
        Case("close-126", "a 126-byte close frame closes 1002",
             [frame(CLOSE, close_payload(1000, b"r" * 124))], Closes(protocol_error)),
        Case("ping-fragmented", "a ping without FIN (fragmented control) closes 1002",
             [frame(PING, b"frag", fin=False), frame(CONT, b"ment")], Closes(protocol_error)),
        Case("continuation-without-start", "a continuation with no message started closes 1002",
             [frame(CONT, b"orphan")], Closes(protocol_error)),
        Case("continuation-without-start-fin0", "a non-final orphan continuation closes 1002",
             [frame(CONT, b"orphan", fin=False)], Closes(protocol_error)),
        Case("data-inside-fragmented-message", "a new text frame mid-message closes 1002",
             [frame(TEXT, b"first", fin=False), frame(TEXT, b"second")], Closes(protocol_error)),
        Case("binary-inside-fragmented-message", "a new binary frame mid-message closes 1002",
             [frame(BINARY, b"first", fin=False), frame(BINARY, b"second", fin=False),
              frame(CONT, b"end")], Closes(protocol_error)),
        Case("close-1000-with-reason", "close 1000 with a reason is answered with 1000",
             [frame(CLOSE, close_payload(1000, "normal closure ✓".encode()))],
             Closes(frozenset({1000}))),
        Case("close-empty", "a close without payload is answered (no code, or 1000)",
             [frame(CLOSE)], Closes(frozenset({NO_STATUS, 1000}))),
        Case("close-125", "a close with the largest payload (125 bytes) is answered",
             [frame(CLOSE, close_payload(1000, b"r" * 123))], Closes(frozenset({1000}))),
        Case("close-1-byte", "a close with a 1-byte payload closes 1002",
             [frame(CLOSE, b"\x03")], Closes(protocol_error)),
        # RFC 6455 names no code for this; Autobahn 7.5.1 accepts 1007 or 1002 (Beast sends 1002).
        Case("close-reason-invalid-utf8", "a close reason that is not UTF-8 closes 1007 or 1002",
             [frame(CLOSE, close_payload(1000, b"bad \xff reason"))],
             Closes(bad_utf8 | protocol_error)),
        *_close_code_cases(),
        Case("close-mid-fragmented-message", "a close between fragments is answered 1000",
             [frame(TEXT, b"never finished", fin=False), frame(CLOSE, close_payload(1000))],
             Closes(frozenset({1000}))),
        Case("data-after-close-ignored", "frames after a close are not echoed",
             [frame(CLOSE, close_payload(1000)) + frame(TEXT, b"too late")],
             Closes(frozenset({1000}))),
        Case("message-over-limit", "a single frame one byte over --max-message closes 1009",
             [frame(BINARY, b"\0" * over)], Closes(too_big)),
        Case("fragmented-over-limit", "fragments adding up to over --max-message close 1009",
             fragments(TEXT, b"x" * over, 4), Closes(too_big)),
    ]
    return out


def case_names():
    return [c.name for c in cases()]


def skip_reason(case, max_message):
    if case.needs_message > max_message:
        return f"needs a {case.needs_message}-byte message; the server's limit is {max_message}"
    return ""


def run_all(host, port, path="/ws/echo", max_message=DEFAULT_MAX_MESSAGE,
            timeout=DEFAULT_TIMEOUT, only=None):
    """Runs every case; returns [(case name, passed, detail)], passed None for a skipped case."""
    results = []
    for case in cases(max_message):
        if only and case.name not in only:
            continue
        reason = skip_reason(case, max_message)
        if reason:
            results.append((case.name, None, reason))
            continue
        passed, detail = run_case(host, port, path, case, timeout)
        results.append((case.name, passed, detail))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="echo endpoint, e.g. ws://127.0.0.1:8080/ws/echo")
    parser.add_argument("--max-message", type=int, default=DEFAULT_MAX_MESSAGE,
                        help="the server's largest accepted message in bytes (default 65536)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help="seconds to wait for each answer (default 5)")
    parser.add_argument("--case", action="append", help="run only this case (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)

    if args.list:
        for case in cases(args.max_message):
            print(f"{case.name:40} {case.summary}")
        return 0
    url = urllib.parse.urlsplit(args.url)
    if url.scheme != "ws" or not url.hostname:
        parser.error("the url must be ws://host:port/path (this client speaks plain TCP only)")
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    results = run_all(url.hostname, url.port or 80, path, args.max_message, args.timeout,
                      set(args.case) if args.case else None)

    width = max((len(name) for name, _, _ in results), default=10)
    counts = {True: 0, False: 0, None: 0}
    for name, passed, detail in results:
        counts[passed] += 1
        mark = {True: "pass", False: "FAIL", None: "skip"}[passed]
        print(f"{mark:5} {name:{width}}  {detail}")
    skipped = f", {counts[None]} skipped" if counts[None] else ""
    print(f"{counts[True]} passed, {counts[False]} failed{skipped}")
    return 1 if counts[False] else 0


if __name__ == "__main__":
    sys.exit(main())
