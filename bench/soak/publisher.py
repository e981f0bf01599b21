"""Steady publishing through POST /api/events: one keep-alive connection and one request at a
time per org, so an org's ids come back in its sequence order. Each event is a transcript line
carrying its sequence number; the ids the gateway answered are what subscribers must see."""

import asyncio
import collections
import random
import time

from http11 import HttpClient, HttpError


class Publisher:
    def __init__(self, port, api_key, orgs, rate, pad_bytes):
        self.port = port
        self.api_key = api_key
        self.orgs = orgs
        self.interval = len(orgs) / rate  # seconds between two events of one org
        self.pad = "x" * pad_bytes
        self.ids = {org: [] for org in orgs}       # ids answered 202, in order
        self.answers = collections.Counter()       # HTTP status (or "no answer") -> count
        self.published = 0                         # events answered 202
        self.max_latency = 0.0

    def last_id(self, org):
        ids = self.ids[org]
        return ids[-1] if ids else 0

    async def run(self, stop):
        await asyncio.gather(*(self._org_loop(org, stop) for org in self.orgs))

    async def _org_loop(self, org, stop):
        http = HttpClient(self.port)
        headers = {"Authorization": f"Bearer {self.api_key}"}
        seq = 0
        due = time.monotonic() + random.uniform(0, self.interval)  # orgs out of phase
        try:
            while not stop.is_set():
                await _sleep_until(due, stop)
                if stop.is_set():
                    break
                due += self.interval
                seq += 1
                body = {"orgId": org, "event": {
                    "type": "transcript", "vapiCallId": f"soak-call-{org}", "speaker": "agent",
                    "text": f"soak seq {seq} {self.pad}", "is_final": True,
                    "ts": int(time.time() * 1000), "seq": seq}}
                sent = time.monotonic()
                try:
                    status, answer = await http.json("POST", "/api/events", body, headers)
                except HttpError:
                    self.answers["no answer"] += 1
                    continue
                self.max_latency = max(self.max_latency, time.monotonic() - sent)
                self.answers[status] += 1
                if status == 202 and answer and answer.get("ids"):
                    self.ids[org].append(int(answer["ids"][0]))
                    self.published += 1
        finally:
            http.close()


async def _sleep_until(when, stop):
    delay = when - time.monotonic()
    if delay > 0:
        try:
            await asyncio.wait_for(stop.wait(), delay)
        except asyncio.TimeoutError:
            pass
