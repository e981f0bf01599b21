"""Every few seconds during the load: the gateway's memory, descriptors and open connections,
and what the soak published, delivered and saw closed in the interval."""

import asyncio
import os
import time

from http11 import HttpClient, HttpError
from probe import parse_metrics, process_sample, total


class Sampler:
    def __init__(self, cfg, publisher, tally, calls, t0):
        self.cfg = cfg
        self.publisher = publisher
        self.tally = tally
        self.calls = calls
        self.t0 = t0
        self.rows = []
        self.http = HttpClient(cfg.port)
        self._last = None

    async def metrics(self):
        try:
            status, raw = await self.http.request("GET", "/metrics")
        except HttpError:
            return {}
        return parse_metrics(raw.decode()) if status == 200 else {}

    async def run(self, stop):
        while not stop.is_set():
            self.rows.append(await self.sample())
            try:
                await asyncio.wait_for(stop.wait(), self.cfg.interval)
            except asyncio.TimeoutError:
                pass
        self.http.close()  # its connection would count among the gateway's descriptors

    async def sample(self):
        t = time.monotonic() - self.t0
        proc = process_sample(self.cfg.pid) or {}
        m = await self.metrics()
        now = {"t": t, "published": self.publisher.published, "deliveries": self.tally.deliveries,
               "server_delivered": total(m, "voxgate_events_delivered_total"),
               "closes": sum(self.tally.server_closes.values()),
               "frames": self.calls.frames_up + self.calls.frames_down}
        last = self._last or {**now, "t": t - 1e-9}
        span = max(now["t"] - last["t"], 1e-9)
        self._last = now
        return {
            "t": t, "phase": "warm-up" if t < self.cfg.warmup else
            "load" if t < self.cfg.duration else "end",
            "rss_mb": proc.get("rss_kb", 0) / 1024, "anon_mb": proc.get("anon_kb", 0) / 1024,
            "fds": proc.get("fds", 0), "threads": proc.get("threads", 0),
            "conns": int(total(m, "voxgate_connections_open")),
            "viewers": self.tally.connected, "calls": self.calls.active,
            "pub_s": (now["published"] - last["published"]) / span,
            "recv_s": (now["deliveries"] - last["deliveries"]) / span,
            "srv_s": (now["server_delivered"] - last["server_delivered"]) / span,
            "frames_s": (now["frames"] - last["frames"]) / span,
            "closes": now["closes"] - last["closes"],
            "load1": float(open("/proc/loadavg").read().split()[0]),
        }


class LoopLag:
    """How late the driver's own event loop runs: a busy machine makes readers slow too."""

    def __init__(self):
        self.max_s = 0.0
        self.over_1s = 0

    async def run(self, stop):
        while not stop.is_set():
            before = time.monotonic()
            await asyncio.sleep(0.1)
            lag = time.monotonic() - before - 0.1
            self.max_s = max(self.max_s, lag)
            self.over_1s += lag > 1.0


def cpu_seconds(pid):
    """utime + stime of pid so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0
