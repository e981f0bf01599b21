"""Two voxgate nodes sharing one PostgreSQL and one NATS (protocol section 8): an event accepted
by either node reaches the subscribers of both, once, in id order; recovery works on any node;
a node killed, NATS restarted and PostgreSQL restarted lose no accepted event."""

import asyncio
import json
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from conftest import Gateway, stop_all
from helpers import closed_with, connect, run
from test_live_calls import CONFIG, next_event, publish, subscribe, transcript
from test_web_voice import attach, audio_frames, end_call, start_call, token

PSQL = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))


def fresh_schema(pg_url, name):
    """A schema of its own for one test; the URL makes it the connections' search_path."""
    assert PSQL, "PostgreSQL is not installed (bash scripts/setup.sh --test)"
    subprocess.run([str(PSQL[-1]), pg_url, "-qc", f"CREATE SCHEMA {name}"], check=True,
                   capture_output=True, timeout=30)
    return f"{pg_url}?options=-csearch_path%3D{name}"


def node_config(database_url, nats_url, subject, extra=""):
    """The single-node tests' settings plus the shared store and broker."""
    return CONFIG + extra + f"""
[database]
url = "{database_url}"
[broker]
url = "{nats_url}"
subject = "{subject}"
"""


@pytest.fixture
def cluster(voxgate_bin, tmp_path, services):
    """cluster(n) starts n nodes on one fresh schema and one NATS subject; all stopped after."""
    started = []
    tag = "c" + uuid.uuid4().hex[:12]
    database_url = fresh_schema(services.pg_url, tag)

    def start(count=2, nats_urls=(), extra=""):
        nodes = []
        for i in range(count):
            folder = tmp_path / f"node{len(started)}"
            folder.mkdir()
            nats_url = nats_urls[i] if i < len(nats_urls) else services.nats_url
            node = Gateway(voxgate_bin, folder,
                           node_config(database_url, nats_url, f"voxgate.{tag}", extra))
            started.append(node)
            nodes.append(node)
        return nodes

    yield start
    stop_all(started)


class CuttableLink:
    """A TCP relay to `target` that the test can cut and restore on the same port: one node loses
    NATS while the other keeps it, so messages are really missed (not buffered and resent)."""

    def __init__(self, target_url):
        host, _, port = target_url.removeprefix("nats://").partition(":")
        self.target = (host, int(port))
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.sockets = []
        self.listener = None
        self.restore()

    def restore(self):
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self):
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread, which holds the port
        self.listener.close()
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.sockets.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def ready(node):
    status, _, body = node.get("/ready")
    return status, json.loads(body)


def wait_until(predicate, timeout=20, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def collect(ws, count, timeout=20):
    """The next `count` events on `ws` (pongs and other control messages are not expected)."""
    events = []
    while len(events) < count:
        events.append(await next_event(ws, timeout))
    return events


async def until_call_ended(ws):
    """Every event up to and including the first call_ended."""
    seen = []
    while not any(e["type"] == "call_ended" for e in seen):
        seen.append(await next_event(ws))
    return seen


def texts(events):
    return [e["text"] for e in events]


def test_both_nodes_report_postgres_and_nats_ready(cluster):
    a, b = cluster(2)
    for node in (a, b):
        status, body = ready(node)
        assert status == 200, body
        assert body == {"status": "ready", "store": "ok", "broker": "nats",
                        "brokerStatus": "connected"}


def test_an_event_published_on_one_node_reaches_subscribers_of_both_once(cluster):
    a, b = cluster(2)

    async def scenario():
        on_a, _ = await subscribe(a, "user-1", "org-x")
        on_b, _ = await subscribe(b, "user-2", "org-x")
        status, body = await asyncio.to_thread(publish, a, transcript("org-x", "from a"))
        assert status == 202, body
        got_a, got_b = await next_event(on_a), await next_event(on_b)
        # Nothing twice: the next thing either sees is the following event, not a copy.
        status, body2 = await asyncio.to_thread(publish, b, transcript("org-x", "from b"))
        assert status == 202, body2
        next_a, next_b = await next_event(on_a), await next_event(on_b)
        await on_a.close()
        await on_b.close()
        return body["ids"] + body2["ids"], [got_a, next_a], [got_b, next_b]

    ids, seen_a, seen_b = run(scenario())
    assert ids == ["1", "2"]  # one sequence for the org, whichever node took the event
    for seen in (seen_a, seen_b):
        assert [e["id"] for e in seen] == ids
        assert texts(seen) == ["from a", "from b"]


def test_ids_increase_per_org_when_both_nodes_publish_at_once(cluster):
    a, b = cluster(2)
    per_node = 60

    async def scenario():
        on_a, _ = await subscribe(a, "user-1", "org-y")
        on_b, _ = await subscribe(b, "user-2", "org-y")

        def publish_many(node, name):
            ids = []
            for i in range(per_node):
                status, body = publish(node, transcript("org-y", f"{name}-{i}"))
                assert status == 202, body
                ids += body["ids"]
            return ids

        ids_a, ids_b = await asyncio.gather(asyncio.to_thread(publish_many, a, "a"),
                                            asyncio.to_thread(publish_many, b, "b"))
        seen_a = await collect(on_a, 2 * per_node)
        seen_b = await collect(on_b, 2 * per_node)
        await on_a.close()
        await on_b.close()
        return ids_a, ids_b, seen_a, seen_b

    ids_a, ids_b, seen_a, seen_b = run(scenario())
    assert sorted(map(int, ids_a + ids_b)) == list(range(1, 2 * per_node + 1))
    for seen in (seen_a, seen_b):
        assert [int(e["id"]) for e in seen] == list(range(1, 2 * per_node + 1))
    # Both nodes delivered the same event under each id.
    assert texts(seen_a) == texts(seen_b)


def test_recovery_on_the_other_node_returns_what_this_node_accepted(cluster):
    a, b = cluster(2)
    ids = []
    for i in range(5):
        status, body = publish(a, transcript("org-r", f"event {i}"))
        assert status == 202, body
        ids += body["ids"]

    async def scenario():
        ws, sub = await subscribe(b, "user-1", "org-r", since=ids[1])
        recovered = await collect(ws, 3)
        done = json.loads(await asyncio.wait_for(ws.recv(), 10))
        await ws.close()
        return sub, recovered, done

    sub, recovered, done = run(scenario())
    assert sub["lastEventId"] == ids[-1]
    assert [e["id"] for e in recovered] == ids[2:]
    assert done == {"type": "recovered", "count": 3, "complete": True}


def test_clients_of_a_killed_node_recover_on_the_other_with_nothing_lost(cluster):
    a, b = cluster(2)
    a.expected_exit = -signal.SIGKILL

    async def scenario():
        on_a, _ = await subscribe(a, "user-1", "org-k")
        status, body = await asyncio.to_thread(publish, b, transcript("org-k", "before"))
        assert status == 202, body
        last = (await next_event(on_a))["id"]
        a.proc.send_signal(signal.SIGKILL)
        code, _ = await closed_with(on_a)
        assert code == 1006  # the process vanished: no close frame
        # Published while the client has no connection at all.
        missed = []
        for i in range(3):
            status, body = await asyncio.to_thread(publish, b, transcript("org-k", f"gap {i}"))
            assert status == 202, body
            missed += body["ids"]
        ws, sub = await subscribe(b, "user-1", "org-k", since=last)
        recovered = await collect(ws, 3)
        done = json.loads(await asyncio.wait_for(ws.recv(), 10))
        status, body = await asyncio.to_thread(publish, b, transcript("org-k", "after"))
        live = await next_event(ws)
        await ws.close()
        return missed, recovered, done, body["ids"], live

    missed, recovered, done, after_ids, live = run(scenario())
    assert [e["id"] for e in recovered] == missed
    assert texts(recovered) == ["gap 0", "gap 1", "gap 2"]
    assert done["complete"] is True and done["count"] == 3
    assert live["id"] == after_ids[0] and live["text"] == "after"


def test_fanout_resumes_after_nats_restarts_and_the_gap_is_filled(cluster, services):
    a, b = cluster(2)

    async def scenario():
        on_b, _ = await subscribe(b, "user-1", "org-n")
        status, body = await asyncio.to_thread(publish, a, transcript("org-n", "before"))
        assert status == 202, body
        first = await next_event(on_b)
        await asyncio.to_thread(services.stop_nats)
        await asyncio.to_thread(wait_until, lambda: ready(a)[0] == 503, 20, "node a not ready")
        status, body = ready(a)
        assert body["brokerStatus"] != "connected" and body["store"] == "ok", body
        # Accepted while the nodes cannot reach each other: stored, so not lost.
        during = []
        for i in range(3):
            status, body = await asyncio.to_thread(publish, a, transcript("org-n", f"outage {i}"))
            assert status == 202, body
            during += body["ids"]
        await asyncio.to_thread(services.start_nats)
        await asyncio.to_thread(wait_until, lambda: ready(a)[0] == 200 and ready(b)[0] == 200,
                                30, "both nodes ready again")
        status, body = await asyncio.to_thread(publish, a, transcript("org-n", "after"))
        assert status == 202, body
        later = await collect(on_b, 4, timeout=30)
        await on_b.close()
        # A client that recovers with since from the first event gets the same.
        ws, _ = await subscribe(b, "user-2", "org-n", since=first["id"])
        recovered = await collect(ws, 4)
        await ws.close()
        return first, during + body["ids"], later, recovered

    first, ids, later, recovered = run(scenario())
    assert first["text"] == "before"
    # The live subscriber on b got the outage's events once, in order, then the next one.
    assert [e["id"] for e in later] == ids
    assert texts(later) == ["outage 0", "outage 1", "outage 2", "after"]
    assert [e["id"] for e in recovered] == ids


def test_ready_follows_a_postgres_restart_and_no_accepted_event_is_lost(cluster, services):
    a, b = cluster(2)
    accepted = []
    status, body = publish(a, transcript("org-p", "before"))
    assert status == 202, body
    accepted += body["ids"]

    services.stop_pg()
    try:
        wait_until(lambda: ready(a)[0] == 503 and ready(b)[0] == 503, 20, "503 from both nodes")
        status, body = ready(a)
        assert body["store"] == "failing" and body["brokerStatus"] == "connected", body
        status, body = publish(b, transcript("org-p", "refused"))
        assert status == 503, body  # not accepted: the client knows to retry
    finally:
        services.start_pg()
    wait_until(lambda: ready(a)[0] == 200 and ready(b)[0] == 200, 30, "200 from both nodes")
    for node in (a, b):
        status, body = publish(node, transcript("org-p", f"after via {node.port}"))
        assert status == 202, body
        accepted += body["ids"]

    async def recover():
        ws, sub = await subscribe(b, "user-1", "org-p", since="0")
        events = await collect(ws, len(accepted))
        await ws.close()
        return events

    events = run(recover())
    assert [e["id"] for e in events] == accepted
    assert accepted == ["1", "2", "3"]


def test_a_node_cut_off_from_nats_catches_up_from_the_store(cluster, services):
    link = CuttableLink(services.nats_url)
    a, b = cluster(2, nats_urls=[services.nats_url, link.url])

    async def scenario():
        on_b, _ = await subscribe(b, "user-1", "org-c")
        status, body = await asyncio.to_thread(publish, a, transcript("org-c", "before"))
        assert status == 202, body
        assert (await next_event(on_b))["text"] == "before"
        link.cut()
        await asyncio.to_thread(wait_until, lambda: ready(b)[0] == 503, 20, "node b not ready")
        assert ready(a)[0] == 200  # a still reaches NATS: its messages go out and b misses them
        missed = []
        for i in range(3):
            status, body = await asyncio.to_thread(publish, a, transcript("org-c", f"missed {i}"))
            assert status == 202, body
            missed += body["ids"]
        link.restore()
        # No further event is published: b catches up from the store when it reconnects.
        caught_up = await collect(on_b, 3, timeout=30)
        status, body = await asyncio.to_thread(publish, a, transcript("org-c", "after"))
        assert status == 202, body
        after = await next_event(on_b)
        await on_b.close()
        return missed, caught_up, body["ids"], after

    missed, caught_up, after_ids, after = run(scenario())
    assert [e["id"] for e in caught_up] == missed
    assert texts(caught_up) == ["missed 0", "missed 1", "missed 2"]
    assert after["id"] == after_ids[0] and after["text"] == "after"
    assert b.metric("voxgate_events_read_for_fanout_total") >= 3


def test_a_test_call_started_on_one_node_is_relayed_by_the_node_the_browser_reaches(
        cluster, fake_vapi):
    # The start lands on a, the browser's socket on b (another request through the balancer).
    a, b = cluster(2, extra=fake_vapi.voxgate_config(unattached_timeout="2s"))
    status, started = start_call(a, org="org-live")
    assert status == 200, started
    call = fake_vapi.wait_call()
    on_b = b.ws_url(f"/api/web-voice/{started['trackingId']}")
    frames = audio_frames()

    async def scenario():
        watch_a, _ = await subscribe(a, "u-1", "org-live")
        browser = await attach(on_b, org="org-live")
        # a's copy passes the 2 s unattached limit meanwhile: it must let the call go, not end it.
        await asyncio.sleep(3.5)
        for f in frames:
            await browser.send(f)
        echoed = []
        while len(echoed) < len(frames):
            msg = await asyncio.wait_for(browser.recv(), 10)
            if isinstance(msg, bytes):
                echoed.append(msg)
        # A second browser on the first node is told where the call is, not given a second relay.
        second = await connect(a.ws_url(f"/api/web-voice/{started['trackingId']}"))
        await second.send(json.dumps({"type": "auth", "token": token("u-1", "org-live")}))
        refused = await closed_with(second)
        await browser.send(json.dumps({"type": "end-call"}))
        close = await closed_with(browser)
        seen = await until_call_ended(watch_a)
        await watch_a.close()
        return echoed, refused, close, seen

    echoed, refused, close, seen = run(scenario())
    assert echoed == frames and call.binary_received() == frames
    assert refused == (1008, "Session attached on another node")
    assert close == (1000, "Session ended")
    # The dashboard on a saw the call b relayed: live, then ended once, for the right reason.
    statuses = [e.get("status") for e in seen if e["type"] == "call_status"]
    assert "in_progress" in statuses, seen
    ended = [e for e in seen if e["type"] == "call_ended"]
    assert len(ended) == 1 and ended[0]["reason"] == "customer-ended-call", seen
    assert b.wait_for_log("test call attached on this node", trackingId=started["trackingId"])
    assert not a.lines("test call ended")  # a never ended (nor re-ended) the call it let go


def test_ending_through_the_api_on_a_node_that_does_not_relay_the_call(cluster, fake_vapi):
    a, b = cluster(2, extra=fake_vapi.voxgate_config())
    status, started = start_call(a, org="org-end")
    assert status == 200, started
    call = fake_vapi.wait_call()

    async def scenario():
        watch, _ = await subscribe(b, "u-1", "org-end")
        browser = await attach(b.ws_url(f"/api/web-voice/{started['trackingId']}"), org="org-end")
        # Neither a (which started it) nor a stranger's token ends it there.
        refused = await asyncio.to_thread(end_call, a, started["trackingId"], "u-2", "org-end")
        answer = await asyncio.to_thread(end_call, a, started["trackingId"], "u-1", "org-end")
        close = await closed_with(browser)
        seen = await until_call_ended(watch)
        await watch.close()
        return refused, answer, close, seen

    refused, answer, close, seen = run(scenario())
    assert refused[0] == 404
    assert answer == (200, {"trackingId": started["trackingId"], "ended": True})
    assert close == (1000, "Session ended")
    ended = [e for e in seen if e["type"] == "call_ended"]
    assert len(ended) == 1 and ended[0]["reason"] == "ended-by-api"
    assert {"type": "end-call"} in call.json_received()
    assert not a.lines("test call ended")  # a's copy of the call was not the one to end
