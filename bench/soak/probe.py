"""What the soak watches in the gateway process: memory and descriptors from /proc, counters
from /metrics."""

import os
import re

_SERIES = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?)\s+(\S+)$")


def process_sample(pid):
    """VmRSS, RssAnon, RssFile (kB), threads and open descriptors of pid, or None once gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError):
        return None

    def kb(key):
        return int(status.get(key, "0 kB").split()[0])
    return {"rss_kb": kb("VmRSS"), "anon_kb": kb("RssAnon"), "file_kb": kb("RssFile"),
            "threads": int(status.get("Threads", "0")), "fds": fds}


def fd_targets(pid):
    """What each open descriptor points at (sockets, files), for explaining a difference."""
    out = {}
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                out[int(fd)] = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                pass
    except OSError:
        pass
    return out


def parse_metrics(text):
    """Prometheus text to {series: value}, series with its labels as written."""
    values = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = _SERIES.match(line.strip())
        if m:
            try:
                values[m.group(1)] = float(m.group(2))
            except ValueError:
                pass
    return values


def total(metrics, name):
    """The sum of every series of one metric name."""
    return sum(v for k, v in metrics.items() if k == name or k.startswith(name + "{"))
