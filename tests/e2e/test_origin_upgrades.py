"""One origin policy decides WebSocket upgrades (protocol section 1, the seed incident)."""

import json

import pytest

from helpers import closed_with, connect, run, upgrade_raw

CONFIG = """
[origins]
allow = ["https://voxanne.ai", "https://*.voxanne.ai", "http://localhost:*"]
"""

REJECTED = 'voxgate_ws_upgrades_rejected_total{reason="origin"}'


@pytest.mark.parametrize("origin", [
    "https://voxanne.ai", "https://VOXANNE.ai:443", "https://www.voxanne.ai",
    "https://a.b.voxanne.ai", "http://localhost:3000", None])
def test_allowed_origin_upgrades_and_speaks(gateway, origin):
    gw = gateway(CONFIG)

    async def scenario():
        ws = await connect(gw.ws_url("/ws/live-calls"), origin=origin)
        await ws.send(json.dumps({"type": "ping"}))
        reply = json.loads(await ws.recv())
        await ws.close()
        return reply

    reply = run(scenario())
    assert reply["type"] == "pong" and reply["timestamp"].endswith("Z")
    assert gw.metric('voxgate_ws_upgrades_accepted_total{route="/ws/live-calls"}') == 1
    gw.wait_for_log("Client connected", pathname="/ws/live-calls")


@pytest.mark.parametrize("origin,why", [
    ("https://evil.com", "not allowed"),
    ("https://voxanne.ai.evil.com", "not allowed"),
    ("https://evilvoxanne.ai", "not allowed"),
    ("http://voxanne.ai", "not allowed"),
    ("https://voxanne.ai/path", "malformed"),
])
def test_refused_origin_gets_403_that_explains_itself(gateway, origin, why):
    gw = gateway(CONFIG)
    status, headers, body = upgrade_raw(gw.port, "/ws/live-calls", origin)
    assert status == 403
    assert headers["content-type"].startswith("text/plain")
    assert body.count("\n") == 1, "one line"
    assert f'"{origin}"' in body and why in body
    if why == "not allowed":
        assert "FRONTEND_URL" in body and "CORS_ORIGIN" in body and "[origins].allow" in body
    line = gw.wait_for_log("Origin not allowed", origin=origin)
    assert line["pathname"] == "/ws/live-calls" and line["level"] == "warn"
    assert gw.metric(REJECTED) == 1


def test_refusal_suggests_the_nearest_entry(gateway):
    gw = gateway('[origins]\nallow = ["https://www.voxanne.ai"]\n')
    status, _, body = upgrade_raw(gw.port, "/ws/live-calls", "https://voxanne.ai")
    assert status == 403 and "https://www.voxanne.ai" in body


def test_the_seed_incident_frontend_url_allows_upgrades_and_cors_alike(gateway):
    # The incident: CORS_ORIGIN was updated, the WebSocket list was not. Here either variable
    # feeds the one policy, so both paths agree.
    for var in ("FRONTEND_URL", "CORS_ORIGIN", "ALLOWED_WS_ORIGINS"):
        gw = gateway("", env={var: "https://voxanne.ai"})
        status, _, _ = upgrade_raw(gw.port, "/api/web-voice/6f1c1d3e-8a4b-4c1e-9d2f-0a1b2c3d4e5f",
                                   "https://voxanne.ai")
        assert status == 101, var
        status, headers, _ = gw.get("/health", {"Origin": "https://voxanne.ai"})
        assert headers.get("Access-Control-Allow-Origin") == "https://voxanne.ai", var
        gw.stop()


def test_missing_origin_allowed_by_default_and_refusable(gateway):
    gw = gateway(CONFIG)
    assert upgrade_raw(gw.port, "/ws/live-calls", None)[0] == 101
    gw.stop()
    gw = gateway(CONFIG + "allow_missing = false\n")
    status, _, body = upgrade_raw(gw.port, "/ws/live-calls", None)
    assert status == 403 and "allow_missing" in body


def test_literal_null_only_when_listed(gateway):
    gw = gateway(CONFIG)
    assert upgrade_raw(gw.port, "/ws/live-calls", "null")[0] == 403
    gw.stop()
    gw = gateway('[origins]\nallow = ["null"]\n')
    assert upgrade_raw(gw.port, "/ws/live-calls", "null")[0] == 101


def test_rejection_log_is_rate_limited_but_every_rejection_counts(gateway):
    gw = gateway(CONFIG)
    for _ in range(5):
        assert upgrade_raw(gw.port, "/ws/live-calls", "https://flood.example")[0] == 403
    assert upgrade_raw(gw.port, "/ws/live-calls", "https://other.example")[0] == 403
    gw.wait_for_log("Origin not allowed", origin="https://other.example")
    assert len([l for l in gw.lines("Origin not allowed")
                if l["origin"] == "https://flood.example"]) == 1
    assert gw.metric(REJECTED) == 6


def test_unknown_websocket_path_is_404_with_text(gateway):
    gw = gateway(CONFIG)
    status, headers, body = upgrade_raw(gw.port, "/ws/nothing-here", "https://voxanne.ai")
    assert status == 404
    assert "/ws/nothing-here" in body and "/ws/live-calls" in body
    assert gw.metric('voxgate_ws_upgrades_rejected_total{reason="not_found"}') == 1


def test_empty_allow_list_refuses_browsers_and_warns_loudly(gateway):
    gw = gateway("")
    warning = [l for l in gw.logs if l.get("level") == "warn" and "origin" in l["msg"].lower()]
    assert warning, "serve must warn at start when no origin is allowed"
    assert upgrade_raw(gw.port, "/ws/live-calls", "https://voxanne.ai")[0] == 403
