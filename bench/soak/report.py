"""The soak's output: the table over time, the summary with each target's verdict, and the
gateway's own counters."""

import collections

METRIC_PREFIXES = (
    "voxgate_events_published_total", "voxgate_events_delivered_total",
    "voxgate_events_dropped_total", "voxgate_events_read_for_fanout_total",
    "voxgate_ws_closes_total", "voxgate_live_subscribes_total", "voxgate_connections_open",
    "voxgate_connections_rejected_total", "voxgate_limit_refusals_total",
    "voxgate_ws_upgrades_accepted_total", "voxgate_ws_upgrades_rejected_total",
    "voxgate_web_voice_calls_total", "voxgate_web_voice_audio_frames_total",
    "voxgate_web_voice_audio_dropped_total", "voxgate_web_voice_audio_bytes_total")


def verdict(ok):
    return "PASS" if ok else "FAIL"


def mb(kb):
    return kb / 1024


class Report:
    def __init__(self, args):
        self.args = args
        self.baseline = None
        self.rows = []
        self.drain = []
        self.metrics = {}
        self.stuck_tasks = 0

    # ---- figures

    def _windows(self):
        """Per kind: windows, events, lost, duplicates, out of order, unknown, not caught up."""
        published = self.publisher.ids
        published_sets = {org: set(ids) for org, ids in published.items()}
        out = collections.OrderedDict()
        for v in self.viewers:
            for w in v.windows:
                k = out.setdefault(w.kind, collections.Counter())
                owed = w.owed(published[w.org])
                k["pruned"] += w.pruned(published[w.org]) if w.excused else 0
                k["windows"] += 1
                k["caught up"] += w.caught_up
                k["owed"] += len(owed)
                k["received"] += w.received
                k["lost"] += sum(1 for i in owed if i not in w.seen)
                k["duplicates"] += w.duplicates
                k["out of order"] += w.out_of_order
                k["unknown"] += len(w.unknown(published_sets[w.org]))
        return out

    def print(self):
        a, tally, calls = self.args, self.tally, self.calls
        print()
        print(f"== soak: over time (every {a.interval:g} s; warm-up {a.warmup:g} s) ==")
        head = ("t_s", "phase", "rss_MB", "anon_MB", "fds", "thr", "conns", "viewers", "calls",
                "pub/s", "recv/s", "srv/s", "frames/s", "closes", "load1")
        print("%6s %-7s %7s %7s %5s %4s %6s %7s %5s %6s %7s %7s %8s %6s %5s" % head)
        for r in self.rows:
            print("%6.0f %-7s %7.1f %7.1f %5d %4d %6d %7d %5d %6.1f %7.0f %7.0f %8.0f %6d %5.2f" % (
                r["t"], r["phase"], r["rss_mb"], r["anon_mb"], r["fds"], r["threads"],
                r["conns"], r["viewers"], r["calls"], r["pub_s"], r["recv_s"], r["srv_s"],
                r["frames_s"], r["closes"], r["load1"]))

        print()
        print("== soak: summary ==")
        # Memory: the first sample at or after the warm-up against the end of the load.
        after_warmup = [r for r in self.rows if r["t"] >= a.warmup]
        rss_ok = False
        if after_warmup:
            warm = after_warmup[0]
            end_kb = self.rss_end_of_load["rss_kb"] if self.rss_end_of_load else 0
            growth = (mb(end_kb) - warm["rss_mb"]) / warm["rss_mb"] * 100
            peak = max(r["rss_mb"] for r in after_warmup)
            rss_ok = growth < 5
            print(f"RSS: before load {mb(self.baseline['rss_kb']):.1f} MB, after warm-up "
                  f"(t={warm['t']:.0f} s) {warm['rss_mb']:.1f} MB, end of load {mb(end_kb):.1f} "
                  f"MB, peak after warm-up {peak:.1f} MB: growth {growth:+.2f} % "
                  f"(target < 5 %) {verdict(rss_ok)}")
            if self.rss_end_of_load:
                print(f"     anonymous {warm['anon_mb']:.1f} -> "
                      f"{mb(self.rss_end_of_load['anon_kb']):.1f} MB, file-backed "
                      f"{warm['rss_mb'] - warm['anon_mb']:.1f} -> "
                      f"{mb(self.rss_end_of_load['file_kb']):.1f} MB")
        else:
            print("RSS: no sample after the warm-up (run longer than --warmup)")

        base_fds = self.baseline["fds"]
        peak_fds = max([r["fds"] for r in self.rows] or [0])
        waited, last = self.drain[-1] if self.drain else (0, None)
        after_fds = last["fds"] if last else None
        fds_ok = after_fds is not None and after_fds <= base_fds
        print(f"descriptors: before load {base_fds}, peak {peak_fds}, after the load "
              f"{after_fds} ({waited:.0f} s after the last connection closed) "
              f"(target <= {base_fds}) {verdict(fds_ok)}")
        if not fds_ok and last:
            extra = collections.Counter(
                _kind(t) for fd, t in self.after_fd_targets.items()
                if self.baseline_fd_targets.get(fd) != t)
            print(f"     descriptors not in the baseline: {dict(extra)}")

        pub = self.publisher
        span = max(a.duration, 1)
        print(f"published: {pub.published} events over {len(pub.ids)} orgs "
              f"({pub.published / span:.1f}/s, target {a.rate:g}/s), answers "
              f"{_counts(pub.answers)}, slowest answer {pub.max_latency * 1000:.0f} ms")
        server_delivered = self.metrics.get("voxgate_events_delivered_total", 0)
        print(f"deliveries: {tally.deliveries} events received by viewers "
              f"({tally.deliveries / span:.0f}/s); the gateway counted {server_delivered:.0f} "
              f"queued to subscribers")

        windows = self._windows()
        lost = sum(k["lost"] for k in windows.values())
        dups = sum(k["duplicates"] for k in windows.values())
        disorder = sum(k["out of order"] for k in windows.values())
        # A viewer's last window must reach the org's last event; earlier ones ended when the
        # viewer reopened without `since` and are checked up to their last event.
        behind = sum(1 for v in self.viewers if v.window is not None and not v.window.caught_up)
        loss_ok = lost == 0 and dups == 0 and disorder == 0 and behind == 0 and \
            tally.misrouted == 0
        print("recovery ledger (a window = one viewer's unbroken view across its `since` "
              "reconnections):")
        for kind, k in windows.items():
            print(f"     {kind:6s} windows {k['windows']:5d} (caught up to the org's last event "
                  f"{k['caught up']}), events owed {k['owed']} (besides {k['pruned']} reported "
                  f"pruned), received {k['received']}, lost {k['lost']}, duplicates "
                  f"{k['duplicates']}, out of order {k['out of order']}, unknown ids "
                  f"{k['unknown']}")
        print(f"     recoveries with since: {_counts(tally.recovered)}, "
              f"{tally.recovered_events} events replayed; misrouted {tally.misrouted}; "
              f"windows that did not catch up {behind}")
        print(f"recovering clients lose no event: lost {lost}, duplicates {dups}, out of order "
              f"{disorder} {verdict(loss_ok)}")

        print(f"sessions: {_counts(tally.sessions)}; connect failures "
              f"{_counts(tally.connect_failures) or 0}; error messages "
              f"{_counts(tally.errors) or 0}")
        print("close codes seen by viewers (sent by the gateway; 1006 = no close frame):")
        for (kind, code, reason), n in sorted(tally.server_closes.items(), key=str):
            print(f"     {kind:6s} {code} {reason!r:24s} {n}")
        print(f"     closed while: {_counts(tally.closed_while)}")
        kb = tally.event_bytes / 1024
        print(f"     slow viewers' recoveries (events behind at the subscribe, ~{kb:.1f} KiB "
              f"each): "
              f"completed {len(tally.backlog_recovered)} {_spread(tally.backlog_recovered)}, "
              f"closed before completing {len(tally.backlog_closed)} "
              f"{_spread(tally.backlog_closed)}")
        print(f"closes by viewers: {_counts(tally.client_closes)}")
        closed_1013 = _series_sum(self.metrics, "voxgate_ws_closes_total", 'code="1013"')
        print(f"slow consumers: stalls {_counts(tally.stalls)}; the gateway's 1013 closes "
              f"{closed_1013:.0f}")

        watched = self.watch.call_ended
        attached = calls.attached
        once = sum(1 for t in attached if watched[t] == 1)
        none = sum(1 for t in attached if watched[t] == 0)
        more = sum(1 for t in attached if watched[t] > 1)
        print(f"test calls: started {calls.started}, attached {len(attached)}, start failures "
              f"{_counts(calls.start_failures) or 0}, attach failures "
              f"{_counts(calls.attach_failures) or 0}")
        print(f"     ended by {_counts(calls.ended)}; browser close codes "
              f"{_counts(calls.closes)}")
        print(f"     audio frames up {calls.frames_up}, down {calls.frames_down}, provider text "
              f"frames {calls.texts_down}, frames sent >100 ms late {calls.late_frames}")
        print(f"     call_ended events: exactly one for {once} of {len(attached)} attached calls, "
              f"none for {none}, several for {more}; transcript events seen "
              f"{self.watch.transcripts}")

        cpu = self.cpu_end - self.cpu_start
        print(f"gateway CPU: {cpu:.1f} s over {self.load_s:.0f} s ({cpu / self.load_s * 100:.0f} % "
              f"of a core); driver loop lag max {self.lag.max_s * 1000:.0f} ms, "
              f"{self.lag.over_1s} lags over 1 s; tasks cut at the end {self.stuck_tasks}")
        print("gateway metrics at the end:")
        for series, value in sorted(self.metrics.items()):
            if series.startswith(METRIC_PREFIXES) and value:
                print(f"     {series} {value:g}")

        print()
        print(f"targets: RSS growth after warm-up < 5 % {verdict(rss_ok)}; descriptors back to "
              f"baseline {verdict(fds_ok)}; recovering clients lose no event {verdict(loss_ok)}")
        return rss_ok and fds_ok and loss_ok


def _spread(values):
    """min / median / max of a list, or nothing."""
    if not values:
        return ""
    v = sorted(values)
    return f"(behind {v[0]} / {v[len(v) // 2]} / {v[-1]} events, min / median / max)"


def _counts(counter):
    return ", ".join(f"{k}: {v}" for k, v in sorted(counter.items(), key=str))


def _series_sum(metrics, name, label):
    return sum(v for k, v in metrics.items() if k.startswith(name + "{") and label in k)


def _kind(target):
    if target.startswith("socket:"):
        return "socket"
    if target.startswith("anon_inode:"):
        return target
    return "file " + target
