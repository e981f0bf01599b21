"""The soak (issue 8, item 3), against a gateway already running on 127.0.0.1 (bench/soak.sh
starts it): steady publishing, connect/disconnect churn, slow consumers that are closed and
recover with `since`, concurrent browser test calls, for --duration seconds; then every viewer
catches up, the load stops, and the gateway's descriptors must return to their baseline.
Prints the table over time and the summary; exits 1 when a target is missed."""

import argparse
import asyncio
import random
import sys
import time
from types import SimpleNamespace

from calls import Caller, CallTally, CallWatch
from probe import fd_targets, process_sample
from publisher import Publisher
from report import Report
from sampler import LoopLag, Sampler, cpu_seconds
from viewers import Tally, Viewer


def options():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True, help="the gateway's process id")
    p.add_argument("--jwt-secret", required=True)
    p.add_argument("--api-key", required=True)
    p.add_argument("--duration", type=float, default=600)
    p.add_argument("--warmup", type=float, default=60)
    p.add_argument("--interval", type=float, default=5, help="seconds between samples")
    p.add_argument("--orgs", type=int, default=8, help="orgs published to")
    p.add_argument("--rate", type=float, default=80, help="events/s over all orgs")
    p.add_argument("--pad-bytes", type=int, default=1500, help="filler in each event's text")
    p.add_argument("--churn", type=int, default=100, help="churning viewers")
    p.add_argument("--slow", type=int, default=20, help="slow viewers")
    p.add_argument("--calls", type=int, default=6, help="concurrent test calls")
    p.add_argument("--call-orgs", type=int, default=2)
    p.add_argument("--fd-wait", type=float, default=60, help="bound for descriptors to return")
    p.add_argument("--seed", type=int, default=None)
    return p.parse_args()


def settings(a):
    """Everything the viewers and callers read, in one place."""
    return SimpleNamespace(
        port=a.port, pid=a.pid, jwt_secret=a.jwt_secret, interval=a.interval,
        warmup=a.warmup, duration=a.duration,
        churn_stay_s=(2.0, 30.0),   # a churn viewer's session
        drop_share=0.4,             # churn sessions that end with a dropped socket
        fresh_share=0.15,           # churn reconnects without `since` (a reopened dashboard)
        slow_read_s=(3.0, 10.0),    # a slow viewer reads this long before and after a stall
        stall_s=(15.0, 40.0),       # ... and stops reading this long
        slow_rcvbuf=4096,
        slow_mss=1448,
        call_s=(10.0, 45.0))        # a call's length unless the provider ends it first


async def spread(seconds, coro):
    """Starts coro after a random delay, so a population does not arrive at once."""
    await asyncio.sleep(random.uniform(0, seconds))
    await coro


async def bounded(tasks, seconds):
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=seconds)
        for t in pending:
            t.cancel()
        return len(pending)
    return 0


async def soak(a):
    cfg = settings(a)
    orgs = [f"soak-org-{i}" for i in range(a.orgs)]
    call_orgs = [f"soak-calls-{i}" for i in range(a.call_orgs)]
    report = Report(a)

    await asyncio.sleep(2)  # the gateway settles after /health
    report.baseline = process_sample(a.pid)
    report.baseline_fd_targets = fd_targets(a.pid)
    report.cpu_start = cpu_seconds(a.pid)

    t0 = time.monotonic()
    load_stop, watch_stop, sample_stop = asyncio.Event(), asyncio.Event(), asyncio.Event()
    publisher = Publisher(a.port, a.api_key, orgs, a.rate, a.pad_bytes)
    cfg.org_head = publisher.last_id
    tally, ctally, watch = Tally(), CallTally(), CallWatch()
    viewers = [Viewer("churn", i, orgs[i % len(orgs)], cfg, tally) for i in range(a.churn)]
    viewers += [Viewer("slow", i, orgs[i % len(orgs)], cfg, tally) for i in range(a.slow)]
    callers = [Caller(i, call_orgs[i % len(call_orgs)], cfg, ctally) for i in range(a.calls)]
    # A call's events name its user, so only that user's dashboards receive them.
    watchers = [Viewer("watch", i, c.org, cfg, tally, watch.on_event, user=c.user)
                for i, c in enumerate(callers)]
    sampler, lag = Sampler(cfg, publisher, tally, ctally, t0), LoopLag()

    side = [asyncio.create_task(sampler.run(sample_stop)),
            asyncio.create_task(lag.run(sample_stop))]
    side += [asyncio.create_task(w.run(watch_stop)) for w in watchers]
    load = [asyncio.create_task(publisher.run(load_stop))]
    load += [asyncio.create_task(spread(min(10, a.warmup / 2), v.run(load_stop))) for v in viewers]
    load += [asyncio.create_task(spread(min(10, a.warmup / 2), c.run(load_stop))) for c in callers]

    await asyncio.sleep(a.duration)
    report.rss_end_of_load = process_sample(a.pid)
    load_stop.set()
    report.stuck_tasks = await bounded(load, 60)

    # Publishing has stopped: every viewer now reads up to its org's last event.
    deadline = time.monotonic() + 60
    await asyncio.gather(*(v.catch_up(publisher.last_id(v.org), deadline) for v in viewers))
    # The last calls' call_ended reach the watchers within a few seconds.
    end = time.monotonic() + 15
    while time.monotonic() < end and any(watch.call_ended[t] == 0 for t in ctally.attached):
        await asyncio.sleep(0.2)
    watch_stop.set()
    sample_stop.set()
    report.stuck_tasks += await bounded(side, 30)
    for w in watchers:
        if w.window is not None:
            w.window.close(w.window.last, False)
    report.cpu_end = cpu_seconds(a.pid)
    report.load_s = time.monotonic() - t0

    # Every connection of the soak is closed: the descriptors must come back.
    drain_start = time.monotonic()
    while True:
        s = process_sample(a.pid)
        report.drain.append((time.monotonic() - drain_start, s))
        if s is None or s["fds"] <= report.baseline["fds"] or \
                time.monotonic() - drain_start >= a.fd_wait:
            break
        await asyncio.sleep(1)
    report.after_fd_targets = fd_targets(a.pid)
    report.metrics = await sampler.metrics()
    sampler.http.close()

    report.rows = sampler.rows
    report.publisher, report.tally, report.calls, report.watch = publisher, tally, ctally, watch
    report.viewers, report.lag = viewers, lag
    return report.print()


def main():
    a = options()
    if a.seed is not None:
        random.seed(a.seed)
    ok = asyncio.run(soak(a))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
