"""CORS on HTTP routes uses the same policy as upgrades (protocol section 1)."""

CONFIG = '[origins]\nallow = ["https://voxanne.ai"]\n'


def test_preflight_from_allowed_origin(gateway):
    gw = gateway(CONFIG)
    status, headers, _ = gw.get("/api/events", {
        "Origin": "https://voxanne.ai", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,authorization"}, method="OPTIONS")
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "https://voxanne.ai"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    allowed = headers["Access-Control-Allow-Headers"].lower()
    for h in ("content-type", "authorization", "x-request-id"):
        assert h in allowed
    assert int(headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in headers["Vary"]


def test_preflight_from_refused_origin_has_no_allow_headers(gateway):
    gw = gateway(CONFIG)
    status, headers, body = gw.get("/api/events", {
        "Origin": "https://evil.com", "Access-Control-Request-Method": "POST"}, method="OPTIONS")
    assert status == 403
    assert not [h for h in headers if h.lower().startswith("access-control-allow")]
    assert '"https://evil.com"' in body


def test_simple_request_headers(gateway):
    gw = gateway(CONFIG)
    status, headers, _ = gw.get("/health", {"Origin": "https://voxanne.ai"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "https://voxanne.ai"
    assert headers["Access-Control-Allow-Origin"] != "*"
    status, headers, _ = gw.get("/health", {"Origin": "https://evil.com"})
    assert status == 200
    assert not [h for h in headers if h.lower().startswith("access-control-allow")]
    assert "Origin" in headers["Vary"]
