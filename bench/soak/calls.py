"""Browser test calls for the soak: each caller starts a call (POST /api/web-voice/start),
attaches as the browser (/api/web-voice/<trackingId>), sends a 20 ms PCM frame every 20 ms and
reads what comes back, then ends the call itself (POST .../end or an end-call message) unless
the provider ended it first; then the next call."""

import asyncio
import collections
import json
import os
import random
import time

import websockets

from http11 import HttpClient, HttpError
from tokens import user_token

FRAME_BYTES = 640   # 20 ms of s16le mono at 16 kHz
FRAME_S = 0.020


class CallTally:
    def __init__(self):
        self.started = 0
        self.start_failures = collections.Counter()   # HTTP status or "no answer" -> count
        self.attached = set()                          # trackingIds that got "ready"
        self.attach_failures = collections.Counter()
        self.ended = collections.Counter()             # "api", "end-call", "provider", ...
        self.closes = collections.Counter()            # (code, reason) seen by the browser
        self.active = 0
        self.frames_up = 0
        self.frames_down = 0
        self.texts_down = 0
        self.late_frames = 0                           # sent more than 100 ms behind schedule


class CallWatch:
    """What the call orgs' watchers saw: call_ended events per trackingId."""

    def __init__(self):
        self.call_ended = collections.Counter()
        self.transcripts = 0

    def on_event(self, event):
        if event.get("type") == "call_ended" and event.get("trackingId"):
            self.call_ended[event["trackingId"]] += 1
        elif event.get("type") == "transcript":
            self.transcripts += 1


class Caller:
    def __init__(self, number, org, cfg, tally):
        self.user = f"caller-{number}"
        self.org = org
        self.cfg = cfg
        self.tally = tally
        self.frame = os.urandom(FRAME_BYTES)

    async def run(self, stop):
        http = HttpClient(self.cfg.port, timeout=35)
        try:
            while not stop.is_set():
                try:
                    await self._one_call(http, stop)
                except (OSError, asyncio.TimeoutError, websockets.InvalidHandshake) as e:
                    self.tally.attach_failures[type(e).__name__] += 1
                try:
                    await asyncio.wait_for(stop.wait(), random.uniform(0.2, 2.0))
                except asyncio.TimeoutError:
                    pass
        finally:
            http.close()

    def _token(self):
        return user_token(self.cfg.jwt_secret, self.user, self.org)

    def _auth(self):
        return {"Authorization": f"Bearer {self._token()}"}

    async def _one_call(self, http, stop):
        try:
            status, started = await http.json("POST", "/api/web-voice/start", {}, self._auth())
        except HttpError:
            self.tally.start_failures["no answer"] += 1
            return
        if status != 200 or not started:
            self.tally.start_failures[status] += 1
            return
        self.tally.started += 1
        tracking = started["trackingId"]
        ws = await websockets.connect(started["bridgeWebsocketUrl"], open_timeout=10,
                                      close_timeout=5, compression=None, max_size=2 ** 20)
        try:
            await ws.send(json.dumps({"type": "auth", "token": self._token()}))
            while True:
                msg = await asyncio.wait_for(ws.recv(), 10)
                if isinstance(msg, str) and json.loads(msg).get("type") == "ready":
                    break
        except (asyncio.TimeoutError, websockets.ConnectionClosed) as e:
            self.tally.attach_failures[type(e).__name__] += 1
            ws.transport.abort()
            return
        self.tally.attached.add(tracking)
        self.tally.active += 1
        sender = asyncio.create_task(self._send_audio(ws))
        try:
            end_at = time.monotonic() + random.uniform(*self.cfg.call_s)
            how = await self._talk(ws, stop, end_at)
            if how is None:  # our turn to end it
                how = random.choice(("api", "end-call"))
                if how == "api":
                    sender.cancel()
                    try:
                        await http.request("POST", f"/api/web-voice/{tracking}/end", b"",
                                           self._auth())
                    except HttpError:
                        how = "api (no answer)"
                else:
                    sender.cancel()
                    await ws.send(json.dumps({"type": "end-call"}))
                await self._until_closed(ws)
            self.tally.ended[how] += 1
        finally:
            sender.cancel()
            self.tally.active -= 1
            ws.transport.abort()

    async def _talk(self, ws, stop, end_at):
        """Reads until end_at or stop (returns None) or the gateway closes (returns who)."""
        while not stop.is_set():
            left = end_at - time.monotonic()
            if left <= 0:
                return None
            try:
                self._count(await asyncio.wait_for(ws.recv(), min(left, 1.0)))
            except asyncio.TimeoutError:
                pass
            except websockets.ConnectionClosed as e:
                reason = self._closed(e)
                return "provider" if reason == "Vapi connection closed" else f"other ({reason})"
        return None

    async def _until_closed(self, ws):
        try:
            while True:
                self._count(await asyncio.wait_for(ws.recv(), 10))
        except asyncio.TimeoutError:
            self.tally.closes[("none within 10 s", "")] += 1
        except websockets.ConnectionClosed as e:
            self._closed(e)

    def _closed(self, e):
        code, reason = (e.rcvd.code, e.rcvd.reason) if e.rcvd is not None else (1006, "")
        self.tally.closes[(code, reason)] += 1
        return reason

    def _count(self, msg):
        if isinstance(msg, bytes):
            self.tally.frames_down += 1
        else:
            self.tally.texts_down += 1

    async def _send_audio(self, ws):
        due = time.monotonic()
        try:
            while True:
                now = time.monotonic()
                if now - due > 0.1:
                    self.tally.late_frames += 1
                await ws.send(self.frame)
                self.tally.frames_up += 1
                due += FRAME_S
                if due > now:
                    await asyncio.sleep(due - now)
        except websockets.ConnectionClosed:
            pass
