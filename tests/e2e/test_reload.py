"""Reload without restart: SIGHUP and file changes rebuild the policy; open sockets stay."""

import asyncio
import signal

import websockets

from helpers import connect, run, upgrade_raw

OLD = '[dev]\necho_route = true\n[origins]\nallow = ["https://callwaitingai.dev"]\n'
NEW = '[dev]\necho_route = true\n[origins]\nallow = ["https://voxanne.ai"]\n'


def test_sighup_changes_decisions_while_open_websocket_stays_open(gateway):
    gw = gateway(OLD)

    async def scenario():
        ws = await connect(gw.ws_url("/ws/echo"), origin="https://callwaitingai.dev")
        assert upgrade_raw(gw.port, "/ws/echo", "https://voxanne.ai")[0] == 403
        mark = gw.log_mark()
        gw.config_path.write_text(NEW)
        gw.signal(signal.SIGHUP)
        await asyncio.to_thread(gw.wait_for_log, "config reloaded", 10, mark)
        assert upgrade_raw(gw.port, "/ws/echo", "https://voxanne.ai")[0] == 101
        assert upgrade_raw(gw.port, "/ws/echo", "https://callwaitingai.dev")[0] == 403
        # The socket opened under the old policy is untouched.
        await ws.send("still here")
        assert await ws.recv() == "still here"
        await ws.close()

    run(scenario())
    assert gw.metric('voxgate_config_reloads_total{result="applied"}') >= 1


def test_file_change_is_picked_up_without_a_signal(gateway):
    gw = gateway(OLD)
    mark = gw.log_mark()
    gw.write_config(NEW)
    line = gw.wait_for_log("config reloaded", 15, mark)
    assert line["trigger"] == "file changed"
    assert upgrade_raw(gw.port, "/ws/echo", "https://voxanne.ai")[0] == 101


def test_broken_config_is_refused_and_old_policy_stays(gateway):
    gw = gateway(NEW)
    mark = gw.log_mark()
    gw.config_path.write_text('[origins]\nallow = ["https://voxanne.ai"\n')  # unclosed array
    gw.signal(signal.SIGHUP)
    line = gw.wait_for_log("config reload refused; the previous config stays in force", 10, mark)
    assert line["level"] == "error" and line["errors"]
    assert upgrade_raw(gw.port, "/ws/echo", "https://voxanne.ai")[0] == 101
    # An invalid origin entry is a broken config too, not a silently smaller allow-list.
    mark = gw.log_mark()
    gw.config_path.write_text('[origins]\nallow = ["https://voxanne.ai/app"]\n')
    gw.signal(signal.SIGHUP)
    gw.wait_for_log("config reload refused; the previous config stays in force", 10, mark)
    assert upgrade_raw(gw.port, "/ws/echo", "https://voxanne.ai")[0] == 101
    assert gw.metric('voxgate_config_reloads_total{result="refused"}') == 2
