"""What /ws/live-calls and /api/web-voice already enforce before subscriptions and the relay."""

import json

from helpers import closed_with, connect, run

CONFIG = '[live]\nauth_timeout = "1s"\n'
TRACKING = "/api/web-voice/6f1c1d3e-8a4b-4c1e-9d2f-0a1b2c3d4e5f"


def test_live_calls_without_subscribe_is_closed_1008(gateway):
    gw = gateway(CONFIG)

    async def scenario():
        ws = await connect(gw.ws_url("/ws/live-calls"))
        return await closed_with(ws)

    assert run(scenario()) == (1008, "Unauthorized: no subscribe message")


def test_live_calls_ping_and_errors(gateway):
    gw = gateway("")

    async def scenario():
        ws = await connect(gw.ws_url("/ws/live-calls/extra"))
        replies = []
        for msg in ["{not json", json.dumps({"type": "dance"}), json.dumps([1, 2]),
                    json.dumps({"type": "ping"})]:
            await ws.send(msg)
            replies.append(json.loads(await ws.recv()))
        await ws.close()
        return replies

    malformed, unknown, array, pong = run(scenario())
    assert malformed["type"] == "error" and "malformed" in malformed["message"]
    assert unknown["type"] == "error" and "dance" in unknown["message"]
    assert array["type"] == "error"
    assert pong["type"] == "pong"


def test_live_calls_frame_over_limit_closes_1009(gateway):
    gw = gateway("")

    async def scenario():
        ws = await connect(gw.ws_url("/ws/live-calls"), max_size=None)
        await ws.send("x" * (64 * 1024 + 1))
        return await closed_with(ws)

    assert run(scenario())[0] == 1009


def test_web_voice_invalid_tracking_id_closes_1008_at_once(gateway):
    gw = gateway("")

    async def scenario():
        ws = await connect(gw.ws_url("/api/web-voice/not-a-uuid"))
        return await closed_with(ws)

    code, reason = run(scenario())
    assert code == 1008 and "trackingId" in reason


def test_web_voice_requires_the_auth_message(gateway):
    gw = gateway(CONFIG)

    async def silent():
        ws = await connect(gw.ws_url(TRACKING))
        return await closed_with(ws)

    async def wrong_first_message():
        ws = await connect(gw.ws_url(TRACKING))
        await ws.send(b"\x00\x01")
        return await closed_with(ws)

    async def unknown_session():
        ws = await connect(gw.ws_url(TRACKING))
        await ws.send(json.dumps({"type": "auth", "token": "x.y.z"}))
        return await closed_with(ws)

    assert run(silent()) == (1008, "Unauthorized: no auth message")
    assert run(wrong_first_message()) == (1008, "Unauthorized: no auth message")
    assert run(unknown_session()) == (1008, "Session not found or unauthorized")
