"""Isolation across 200 orgs under concurrent publishing: no event ever reaches another org."""

import asyncio
import json
import random
from concurrent.futures import ThreadPoolExecutor

from helpers import connect, run
from test_live_calls import CONFIG, SECRET, publish, transcript
from tokens import user_token

ORGS = 200
PER_ORG = 2
PUBLISHERS = 4
BATCHES_PER_PUBLISHER = 10
BATCH = 50


def test_200_orgs_concurrent_publishing(gateway):
    # 400 dashboards from one address within a second: the per-address limits are not the subject.
    gw = gateway(CONFIG + "[limits]\nmax_connections = 2000\nconnections_per_ip = 0\n"
                 "connection_rate_per_ip = 0\n")
    rng = random.Random(7)
    plan = [[[f"org-{rng.randrange(ORGS)}" for _ in range(BATCH)]
             for _ in range(BATCHES_PER_PUBLISHER)] for _ in range(PUBLISHERS)]
    expected = {}
    for publisher in plan:
        for batch in publisher:
            for org in batch:
                expected[org] = expected.get(org, 0) + 1

    def publish_all(p):
        ids = []
        for b, batch in enumerate(plan[p]):
            status, body = publish(gw, [transcript(org, f"p{p}-b{b}-{org}") for org in batch])
            assert status == 202, body
            ids += body["ids"]
        return ids

    async def scenario():
        subs = []
        for o in range(ORGS):
            for u in range(PER_ORG):
                ws = await connect(gw.ws_url("/ws/live-calls"), max_queue=None)
                await ws.send(json.dumps({"type": "subscribe",
                                          "token": user_token(SECRET, f"user-{o}-{u}", f"org-{o}")}))
                subs.append((f"org-{o}", ws))
        for _, ws in subs:
            assert json.loads(await ws.recv())["type"] == "subscribed"
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(PUBLISHERS) as pool:
            await asyncio.gather(*[loop.run_in_executor(pool, publish_all, p)
                                   for p in range(PUBLISHERS)])

        async def drain(org, ws):
            events = []
            for _ in range(expected.get(org, 0)):
                events.append(json.loads(await asyncio.wait_for(ws.recv(), 20)))
            # A ping answered next proves nothing more was queued for this connection.
            await ws.send(json.dumps({"type": "ping"}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] == "pong"
            await ws.close()
            return org, events

        return await asyncio.gather(*[drain(org, ws) for org, ws in subs])

    results = asyncio.run(asyncio.wait_for(scenario(), 240))
    for org, events in results:
        assert all(e["orgId"] == org for e in events), f"another org's event reached {org}"
        assert all(e["text"].endswith(org) for e in events)
        ids = [int(e["id"]) for e in events]
        assert ids == sorted(ids) and len(set(ids)) == len(ids), "in order, once each"
        assert len(events) == expected.get(org, 0)
