"""Dashboards on /ws/live-calls for the soak. Each viewer is one user of one org that keeps
coming back: a churn viewer stays a random while and leaves (a clean close or a dropped socket),
a slow viewer stops reading until the gateway gives up on it (1013 "slow consumer"), a call
watcher stays for the whole run. All reconnect with `since` = the last id they saw, so one
Window (ledger.py) spans all their sessions; a share of churn reconnects start afresh without
`since`, as a reopened dashboard does."""

import asyncio
import collections
import json
import random
import socket
import time

import websockets

from ledger import Window
from tokens import user_token

CONNECT_ERRORS = (OSError, asyncio.TimeoutError, websockets.InvalidHandshake,
                  websockets.ConnectionClosed)


class Tally:
    """Counters shared by every viewer."""

    def __init__(self):
        self.sessions = collections.Counter()       # kind -> subscribed sessions
        self.connected = 0                          # sessions open now
        self.connect_failures = collections.Counter()  # (kind, what) -> count
        self.server_closes = collections.Counter()  # (kind, code, reason) -> count
        self.closed_while = collections.Counter()   # (kind, what the viewer was doing) -> count
        # Events a reconnecting viewer was behind (the org's last id - since), for recoveries
        # that completed and for those the gateway closed before they did.
        self.backlog_recovered = []
        self.backlog_closed = []
        self.event_bytes = 0                        # largest event received
        self.client_closes = collections.Counter()  # (kind, "close 1000" | "drop") -> count
        self.deliveries = 0                         # events received
        self.misrouted = 0                          # events of another org
        self.recovered = collections.Counter()      # "complete", "incomplete", ... -> count
        self.recovered_events = 0
        self.stalls = collections.Counter()         # "closed" / "survived" -> count
        self.errors = collections.Counter()         # {"type":"error"} messages by text


class Viewer:
    def __init__(self, kind, number, org, cfg, tally, on_event=None, user=None):
        self.kind = kind
        self.user = user or f"{kind}-{number}"
        self.org = org
        self.cfg = cfg
        self.tally = tally
        self.on_event = on_event
        self.window = None
        self.windows = []
        self.doing = "subscribing"  # for the close counts: recovering, stalled, reading
        self.backlog = 0            # events behind the org's head at the last subscribe
        self.subscribed_last = 0    # lastEventId of the last subscribe: a replay's end
        self.replay = None          # (since, first replayed id or None) until `recovered`

    # ---- the loop of sessions

    async def run(self, stop):
        while not stop.is_set():
            fresh = self.window is None or (
                self.kind == "churn" and random.random() < self.cfg.fresh_share)
            try:
                await self._session(stop, fresh)
            except CONNECT_ERRORS as e:
                self.tally.connect_failures[(self.kind, type(e).__name__)] += 1
            await _sleep_or_stop(stop, random.uniform(0.05, 2.0))

    async def catch_up(self, target_id, deadline):
        """After publishing stopped: reconnects with `since` until the window holds the org's
        last event (target_id) or the deadline passes; then closes the window. A recovery that
        ends (`recovered`) short of target_id is final: nothing is published any more."""
        short = False
        while self.window is not None and self.window.last < target_id and not short and \
                time.monotonic() < deadline:
            try:
                ws = await self._subscribe(fresh=False)
            except CONNECT_ERRORS as e:
                self.tally.connect_failures[(self.kind, "catch-up " + type(e).__name__)] += 1
                await asyncio.sleep(0.5)
                continue
            self.doing = "catching up"
            try:
                while self.window.last < target_id and not short and \
                        time.monotonic() < deadline:
                    raw = await asyncio.wait_for(ws.recv(), deadline - time.monotonic())
                    short = self._handle(raw) == "recovered" and self.window.last < target_id
                await self._leave(ws, drop=False)
            except websockets.ConnectionClosed as e:
                self._server_closed(e)
            except asyncio.TimeoutError:
                ws.transport.abort()
            finally:
                self.tally.connected -= 1
        if self.window is not None:
            self.window.close(target_id, self.window.last >= target_id)

    # ---- one session

    async def _session(self, stop, fresh):
        ws = await self._subscribe(fresh)
        try:
            if self.kind == "slow":
                # Stops reading once its recovery is in: reading live events first would let
                # the kernel grow the gateway's send buffer (with the congestion window) to
                # hundreds of kB, and a stall would take minutes to reach the queue's bound.
                self.doing = "recovering"
                await self._read_recovery(ws, stop, fresh)
                self.doing = "stalled"
                await self._stall(ws, stop)
                self.doing = "reading"
                await self._read_for(ws, stop, random.uniform(*self.cfg.slow_read_s))
            else:
                self.doing = "reading"
                stay = float("inf") if self.kind == "watch" else \
                    random.uniform(*self.cfg.churn_stay_s)
                await self._read_for(ws, stop, stay)
            drop = self.kind == "churn" and not stop.is_set() and \
                random.random() < self.cfg.drop_share
            await self._leave(ws, drop)
        except websockets.ConnectionClosed as e:
            self._server_closed(e)
        finally:
            self.tally.connected -= 1

    async def _subscribe(self, fresh):
        ws = await self._connect()
        try:
            msg = {"type": "subscribe",
                   "token": user_token(self.cfg.jwt_secret, self.user, self.org)}
            if not fresh:
                msg["since"] = str(self.window.last)
                self.backlog = self.cfg.org_head(self.org) - self.window.last
            await ws.send(json.dumps(msg))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if answer.get("type") != "subscribed":
                raise websockets.InvalidHandshake(f"subscribe answered {answer}")
            self.subscribed_last = int(answer["lastEventId"])
            self.replay = None if fresh else (self.window.last, None)
        except BaseException:
            ws.transport.abort()
            raise
        if fresh:
            if self.window is not None:  # a reopened dashboard: the old window ends here
                self.window.close(self.window.last, False)
            self.window = Window(self.kind, self.org, int(answer["lastEventId"]))
            self.windows.append(self.window)
        self.tally.sessions[self.kind] += 1
        self.tally.connected += 1
        return ws

    async def _connect(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if self.kind == "slow":
            # A small receive window, so a reader that stops fills the gateway's queue soon, and
            # an Ethernet-sized MSS as across a network: over loopback's 64 KiB MSS the kernel
            # gives the gateway's socket a ~4 MB send buffer that would absorb minutes of events.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.cfg.slow_rcvbuf)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, self.cfg.slow_mss)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", self.cfg.port)), 10)
        except BaseException:
            sock.close()
            raise
        slow = self.kind == "slow"
        # No client pings: a stalled reader would time them out itself; the server pings.
        return await websockets.connect(
            f"ws://127.0.0.1:{self.cfg.port}/ws/live-calls", sock=sock, open_timeout=10,
            close_timeout=5, ping_interval=None, compression=None, max_size=2 ** 20,
            max_queue=1 if slow else 1024, read_limit=4096 if slow else 2 ** 16)

    async def _read_for(self, ws, stop, seconds):
        end = time.monotonic() + seconds
        while not stop.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return
            try:
                self._handle(await asyncio.wait_for(ws.recv(), min(left, 1.0)))
            except asyncio.TimeoutError:
                pass

    async def _read_recovery(self, ws, stop, fresh):
        """Reads up to the `recovered` message that ends a subscribe with `since`."""
        end = time.monotonic() + 10
        while not fresh and not stop.is_set() and time.monotonic() < end:
            try:
                if self._handle(await asyncio.wait_for(ws.recv(), 1.0)) == "recovered":
                    self.tally.backlog_recovered.append(self.backlog)
                    return
            except asyncio.TimeoutError:
                pass

    async def _stall(self, ws, stop):
        """Reads nothing for a while; sends an application ping every few seconds so the
        gateway's idle timeout is not what closes the socket."""
        end = time.monotonic() + random.uniform(*self.cfg.stall_s)
        while not stop.is_set() and time.monotonic() < end:
            try:
                await asyncio.wait_for(ws.send('{"type":"ping"}'), 5)
            except (websockets.ConnectionClosed, asyncio.TimeoutError):
                break
            await _sleep_or_stop(stop, min(5.0, end - time.monotonic()))
        # Read again like a dashboard that caught up: what was buffered, then maybe the close
        # (even when the run is ending, so the close code is seen rather than lost).
        ws.max_queue = 1024
        try:
            await self._read_for(ws, asyncio.Event(), 3.0)
        except websockets.ConnectionClosed:
            self.tally.stalls["closed"] += 1
            raise
        self.tally.stalls["survived"] += 1

    async def _leave(self, ws, drop):
        if drop:
            ws.transport.abort()
            self.tally.client_closes[(self.kind, "drop")] += 1
        else:
            await ws.close()
            self.tally.client_closes[(self.kind, "close 1000")] += 1

    def _server_closed(self, e):
        code, reason = (e.rcvd.code, e.rcvd.reason) if e.rcvd is not None else (1006, "")
        self.tally.server_closes[(self.kind, code, reason)] += 1
        self.tally.closed_while[(self.kind, self.doing)] += 1
        if self.doing == "recovering":
            self.tally.backlog_closed.append(self.backlog)

    def _handle(self, raw):
        """Counts one message; returns its type."""
        msg = json.loads(raw)
        kind = msg.get("type")
        self.tally.event_bytes = max(self.tally.event_bytes, len(raw))
        if kind == "recovered":
            since, first = self.replay or (self.window.last, None)
            self.replay = None
            if not msg.get("complete"):
                # `since` was older than the history: what was pruned before the first
                # replayed event is not owed (with nothing replayed, nothing up to lastEventId).
                self.tally.recovered["incomplete"] += 1
                self.window.excuse(since, first if first is not None else self.subscribed_last + 1)
            elif self.window.last < self.subscribed_last and self.kind != "watch":
                # Every event of the org up to lastEventId should have been replayed (the
                # watchers' orgs hold events of other users, which they do not receive).
                self.tally.recovered["complete but short of lastEventId"] += 1
            else:
                self.tally.recovered["complete"] += 1
            self.tally.recovered_events += msg.get("count", 0)
        elif kind == "error":
            self.tally.errors[msg.get("message")] += 1
        elif "id" in msg and kind not in ("subscribed", "pong", "refreshed"):
            if msg.get("orgId") != self.org:
                self.tally.misrouted += 1
            else:
                if self.replay is not None and self.replay[1] is None:
                    self.replay = (self.replay[0], int(msg["id"]))
                self.window.saw(int(msg["id"]))
                self.tally.deliveries += 1
                if self.on_event:
                    self.on_event(msg)
        return kind


async def _sleep_or_stop(stop, seconds):
    if seconds > 0:
        try:
            await asyncio.wait_for(stop.wait(), seconds)
        except asyncio.TimeoutError:
            pass
