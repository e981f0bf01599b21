"""Optional TLS from a certificate and key in the config."""

import asyncio
import json
import ssl
import subprocess
import urllib.request

from helpers import connect, run


def make_cert(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_wss_and_https(gateway, tmp_path, voxgate_bin):
    cert, key = make_cert(tmp_path)
    gw = gateway(f'[server]\ntls_cert = "{cert}"\ntls_key = "{key}"\n'
                 '[origins]\nallow = ["https://voxanne.ai"]\n')
    ctx = ssl.create_default_context(cafile=str(cert))
    with urllib.request.urlopen(f"https://127.0.0.1:{gw.port}/health", context=ctx,
                                timeout=10) as res:
        assert res.status == 200 and json.loads(res.read())["status"] == "ok"

    async def scenario():
        ws = await connect(f"wss://127.0.0.1:{gw.port}/ws/live-calls",
                           origin="https://voxanne.ai", ssl=ctx)
        await ws.send(json.dumps({"type": "ping"}))
        reply = json.loads(await ws.recv())
        await ws.close()
        return reply

    assert run(scenario())["type"] == "pong"
    res = subprocess.run([voxgate_bin, "doctor", f"wss://127.0.0.1:{gw.port}/ws/live-calls",
                          "--origin", "https://evil.com", "--ca-file", str(cert)],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 1 and "not allowed" in res.stdout


def test_missing_certificate_file_refuses_to_start(voxgate_bin, tmp_path):
    cfg = tmp_path / "v.toml"
    cfg.write_text(f'[server]\ntls_cert = "{tmp_path}/nope.pem"\ntls_key = "{tmp_path}/nope.key"\n')
    res = subprocess.run([voxgate_bin, "serve", "--config", str(cfg), "--listen", "127.0.0.1:0"],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 2 and "tls_cert" in res.stdout
