"""`voxgate doctor` performs a real upgrade and explains the outcome."""

import socket
import subprocess

from conftest import clean_env, sanitizer_report

CONFIG = '[origins]\nallow = ["https://voxanne.ai"]\n'


def doctor(voxgate_bin, *args):
    res = subprocess.run([voxgate_bin, "doctor", *args], capture_output=True, text=True,
                         env=clean_env(), timeout=60)
    assert sanitizer_report(res.stderr) is None, sanitizer_report(res.stderr)
    return res.returncode, res.stdout + res.stderr


def test_allowed_origin(gateway, voxgate_bin):
    gw = gateway(CONFIG)
    code, out = doctor(voxgate_bin, gw.ws_url("/ws/live-calls"), "--origin", "https://voxanne.ai")
    assert code == 0, out
    assert "handshake accepted" in out
    assert "[FAIL]" not in out


def test_refused_origin_prints_the_body_and_the_fix(gateway, voxgate_bin):
    gw = gateway(CONFIG)
    code, out = doctor(voxgate_bin, gw.ws_url("/ws/live-calls"), "--origin", "https://voxanne.app")
    assert code == 1, out
    assert "403" in out
    assert 'origin "https://voxanne.app" is not allowed' in out  # the gateway's own body
    verdict = [l for l in out.splitlines() if l.startswith("verdict:")][0]
    assert "https://voxanne.app" in verdict and "FRONTEND_URL" in verdict


def test_unreachable_gateway(voxgate_bin):
    with socket.socket() as s:  # a port that was free a moment ago and has no listener
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out = doctor(voxgate_bin, f"ws://127.0.0.1:{port}/ws/live-calls",
                       "--origin", "https://voxanne.ai")
    assert code == 1, out
    verdict = [l for l in out.splitlines() if l.startswith("verdict:")][0]
    assert "nothing listens" in verdict


def test_wrong_path(gateway, voxgate_bin):
    gw = gateway(CONFIG)
    code, out = doctor(voxgate_bin, gw.ws_url("/ws/livecalls"), "--origin", "https://voxanne.ai")
    assert code == 1 and "404" in out and "/ws/live-calls" in out


def test_bare_403_is_called_out_as_not_voxgate(voxgate_bin):
    # A stand-in for the incident's backend: a bare 403 and a hang-up.
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]
        proc = subprocess.Popen([voxgate_bin, "doctor", f"ws://127.0.0.1:{port}/ws/live-calls",
                                 "--origin", "https://voxanne.ai"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=clean_env())
        conn, _ = srv.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")
        conn.close()
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "bare 403" in out
