"""Health, readiness and metrics (protocol section 6)."""

import json
import re

from helpers import upgrade_raw


def test_health_and_ready(gateway):
    gw = gateway("")
    status, headers, body = gw.get("/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, _, body = gw.get("/ready")
    assert status == 200
    assert json.loads(body) == {"status": "ready", "store": "ok", "broker": "in-process",
                                "brokerStatus": "ok"}


def test_metrics_in_prometheus_text(gateway):
    gw = gateway('[origins]\nallow = ["https://voxanne.ai"]\n')
    gw.get("/health")
    gw.get("/nope")
    upgrade_raw(gw.port, "/ws/live-calls", "https://evil.com")
    status, headers, body = gw.get("/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert re.search(r'^voxgate_build_info\{version="[^"]+",commit="[^"]+"\} 1$', body, re.M)
    m = gw.metrics()
    assert m['voxgate_http_requests_total{route="/health",status="200"}'] == 1
    assert m['voxgate_http_requests_total{route="other",status="404"}'] == 1
    assert m['voxgate_ws_upgrades_rejected_total{reason="origin"}'] == 1
    assert 'voxgate_connections_open{route="http"}' in m
    for line in body.splitlines():
        if line.startswith("# TYPE"):
            assert line.split()[3] in ("counter", "gauge", "histogram")


def test_unknown_route_and_method(gateway):
    gw = gateway("")
    assert gw.get("/nope")[0] == 404
    assert gw.get("/health", method="POST")[0] == 405


def test_logs_are_json_lines(gateway):
    gw = gateway("")
    gw.get("/health")
    gw.stop()
    assert gw.raw and all(json.loads(l)["msg"] for l in gw.raw)
