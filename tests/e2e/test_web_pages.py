"""The web pages (/, /test-call and their files), their security headers and revalidation, and
the routes the pages use: /api/dev, /api/dev/token, /api/origin-check, the web-voice start's
origin check and a test call's status events and audio metrics, through the real binary."""

import asyncio
import base64
import hashlib
import hmac
import http.client
import json
import re
import subprocess
import time
import urllib.request

import pytest

from conftest import REPO, clean_env, raw_http
from helpers import closed_with, connect, run
from tokens import user_token

SECRET = "e2e-jwt-secret-0123456789abcdef"
ORG = "org-pages"
APP = "https://app.example.com"
EVIL = "https://evil.example"
BASE = f'[auth]\njwt_secret = "{SECRET}"\n[origins]\nallow = ["{APP}"]\n'
DEV = BASE + "[dev]\nenabled = true\n"
WEB = REPO / "web"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
# Every file of web/ by its URL, and the two pages by theirs.
PAGES = {"/" + p.name: p for p in sorted(WEB.iterdir()) if p.is_file() and p.name[0] != "."}
PAGES.update({"/": WEB / "index.html", "/test-call": WEB / "test-call.html"})


def fetch(gw, path, headers=None, method="GET", data=None):
    """(status, headers with lower-case names, body bytes); urllib sends Host 127.0.0.1:port."""
    req = urllib.request.Request(gw.url(path), headers=headers or {}, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, {k.lower(): v for k, v in res.headers.items()}, res.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def fetch_json(gw, path, headers=None, method="GET", data=None):
    status, headers, body = fetch(gw, path, headers, method, data)
    return status, headers, json.loads(body)


def raw_get(gw, target, headers=("Host: 127.0.0.1",), version="HTTP/1.1"):
    """A request written by hand (targets urllib would normalise); (status, headers, body)."""
    lines = [f"GET {target} {version}", *headers, "Connection: close"]
    answer = raw_http(gw.port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    fields = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), fields, body


def csp(headers):
    """The Content-Security-Policy as {directive: [sources]}; each directive once."""
    policy = {}
    for part in headers["content-security-policy"].split(";"):
        name, *sources = part.split()
        assert name not in policy, f"{name} twice"
        policy[name] = sources
    return policy


def token(user="u-1", org=ORG):
    return user_token(SECRET, user, org)


def start_call(gw, origin=None):
    headers = {"Authorization": f"Bearer {token()}", "Content-Type": "application/json"}
    if origin:
        headers["Origin"] = origin
    status, _, body = fetch(gw, "/api/web-voice/start", headers, "POST", b"")
    return status, json.loads(body)


def calls(gw, path="/api/calls"):
    status, _, body = fetch(gw, path, {"Authorization": f"Bearer {token()}"})
    assert status == 200, body
    return json.loads(body)


def wait_for(get, done, timeout=10):
    """Polls get() until done(its value); returns that value."""
    deadline = time.monotonic() + timeout
    while not done(value := get()):
        assert time.monotonic() < deadline, value
        time.sleep(0.02)
    return value


async def subscribe(gw, tok):
    ws = await connect(gw.ws_url("/ws/live-calls"))
    await ws.send(json.dumps({"type": "subscribe", "token": tok}))
    reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert reply["type"] == "subscribed", reply
    return ws, reply


# ---------------------------------------------------------------- pages, types, headers


@pytest.mark.parametrize("web", ["built-in", "dir"])
def test_every_file_is_served_byte_exact_with_its_type(gateway, web):
    gw = gateway(BASE + (f'[web]\ndir = "{WEB}"\n' if web == "dir" else ""))
    for path, file in PAGES.items():
        status, headers, body = fetch(gw, path)
        assert status == 200, path
        assert headers["content-type"] == TYPES[file.suffix], path
        assert body == file.read_bytes(), f"{path} differs from {file} (rebuild after editing web/)"
    # The query is not part of the file name.
    assert fetch(gw, "/client.js?v=2")[2] == (WEB / "client.js").read_bytes()


def test_security_headers_and_content_security_policy(gateway):
    gw = gateway(BASE)
    for path in ("/", "/test-call", "/client.js", "/style.css", "/favicon.svg"):
        status, headers, _ = fetch(gw, path)
        assert status == 200
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
        assert "microphone=(self)" in headers["permissions-policy"].replace(" ", "")
        assert headers["cache-control"] == "no-cache"
        assert re.fullmatch(r'"[0-9a-f]{32}"', headers["etag"]), headers["etag"]
        policy = csp(headers)
        assert policy["default-src"] == ["'none'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert sorted(policy["connect-src"]) == sorted(
            ["'self'", f"ws://127.0.0.1:{gw.port}", f"wss://127.0.0.1:{gw.port}"])
        sources = [s for v in policy.values() for s in v]
        assert not [s for s in sources if s.startswith("'unsafe-") or s == "*"], sources


# Under script-src 'self' and style-src 'self' the pages only work with no inline code.
@pytest.mark.parametrize("page", ["index.html", "test-call.html"])
def test_pages_hold_no_inline_script_or_style(page):
    html = (WEB / page).read_text()
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html, re.I)
    assert not re.search(r"<style[\s>]", html, re.I)
    assert not re.search(r"\son[a-z]+\s*=", html, re.I)
    assert not re.search(r"\sstyle\s*=", html, re.I)
    assert not re.search(r"javascript:", html, re.I)


def test_csp_host_follows_x_forwarded_host_and_never_takes_odd_characters(gateway):
    gw = gateway(BASE)
    _, headers, _ = fetch(gw, "/", {"X-Forwarded-Host": "gw.example.com, proxy.internal"})
    assert sorted(csp(headers)["connect-src"]) == [
        "'self'", "ws://gw.example.com", "wss://gw.example.com"]
    forged = ["Host: evil.example;script-src *", "Host: evil.example 'unsafe-inline'",
              "Host: 127.0.0.1\r\nX-Forwarded-Host: evil.example/x",
              "Host: 127.0.0.1\r\nX-Forwarded-Host: evil.example\"'"]
    for host in forged:
        status, headers, _ = raw_get(gw, "/", [host])
        assert status == 200, host
        assert csp(headers)["connect-src"] == ["'self'"], host
        assert "evil" not in headers["content-security-policy"] and "unsafe" not in \
            headers["content-security-policy"], host
    # HTTP/1.0 with no Host at all: same-origin connections only.
    status, headers, _ = raw_get(gw, "/", [], "HTTP/1.0")
    assert status == 200 and csp(headers)["connect-src"] == ["'self'"]


def test_revalidation_answers_304_only_for_a_matching_tag(gateway):
    gw = gateway(BASE)
    _, headers, _ = fetch(gw, "/")
    tag = headers["etag"]
    assert fetch(gw, "/client.js")[1]["etag"] != tag  # a tag per content
    for value in (tag, "W/" + tag, f'"0000", {tag}', "*"):
        status, headers, body = fetch(gw, "/", {"If-None-Match": value})
        assert (status, body) == (304, b""), value
        assert headers["etag"] == tag and "content-security-policy" in headers
    for value in ('"0000"', tag[:-2] + '"', tag[:-1] + '0"'):
        status, _, body = fetch(gw, "/", {"If-None-Match": value})
        assert status == 200 and body == (WEB / "index.html").read_bytes(), value


# RFC 9110 section 8.6: a 304's Content-Length, if sent, is the 200's length, never 0.
def test_a_304_sends_no_content_length_but_the_200s(gateway):
    gw = gateway(BASE)
    _, headers, body = fetch(gw, "/")
    status, headers, _ = raw_get(gw, "/", ["Host: 127.0.0.1", f"If-None-Match: {headers['etag']}"])
    assert status == 304
    assert headers.get("content-length") in (None, str(len(body))), headers


def test_an_edit_in_the_web_dir_shows_on_the_next_request(gateway, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>one</p>")
    gw = gateway(BASE + f'[web]\ndir = "{site}"\n')
    _, first, body = fetch(gw, "/")
    assert body == b"<p>one</p>"
    (site / "index.html").write_text("<p>two</p>")
    status, second, body = fetch(gw, "/", {"If-None-Match": first["etag"]})
    assert (status, body) == (200, b"<p>two</p>")
    assert second["etag"] != first["etag"]
    assert fetch(gw, "/client.js")[0] == 404  # only what the folder holds
    (site / "client.js").write_text("export {};")
    status, _, body = fetch(gw, "/client.js")
    assert (status, body) == (200, b"export {};")


def test_a_web_dir_that_is_not_a_folder_stops_the_start(voxgate_bin, tmp_path):
    config = tmp_path / "voxgate.toml"
    config.write_text(f'[web]\ndir = "{tmp_path / "absent"}"\n')
    done = subprocess.run([voxgate_bin, "serve", "--config", str(config), "--listen",
                           "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=20, env=clean_env(), cwd=tmp_path)
    assert done.returncode == 2, done.stdout
    errors = [json.loads(l).get("error", "") for l in done.stdout.splitlines() if l[:1] == "{"]
    assert f'web.dir "{tmp_path / "absent"}" is not a folder' in " ".join(errors), done.stdout


TRAVERSALS = ["/../secret.js", "/..%2fsecret.js", "/%2e%2e/secret.js", "/%2e%2e%2fsecret.js",
              "/..\\secret.js", "/.%2e/secret.js", "/site/../secret.js", "//secret.js",
              "/./secret.js", "/../CMakeLists.txt", "/%2e%2e/x", "/.git/config", "/.env",
              "/secret.js%00.html", "/secret.js/", "../secret.js"]


@pytest.mark.parametrize("web", ["built-in", "dir"])
def test_traversal_attempts_answer_404(gateway, tmp_path, web):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>home</p>")
    (tmp_path / "secret.js").write_text("the-secret")  # beside the folder, never in it
    gw = gateway(BASE + (f'[web]\ndir = "{site}"\n' if web == "dir" else ""))
    for target in TRAVERSALS:
        status, _, body = raw_get(gw, target)
        assert status == 404, (target, status, body)
        assert b"the-secret" not in body and b"[core]" not in body, target
    assert raw_get(gw, "/")[0] == 200  # the server is still fine


def test_pages_off_answer_404_naming_the_setting(gateway):
    gw = gateway(BASE + "[web]\nenabled = false\n")
    for path in ("/", "/test-call", "/client.js"):
        status, _, body = fetch(gw, path)
        assert status == 404 and b"[web] enabled = false" in body, (path, body)
    assert fetch(gw, "/health")[0] == 200


def test_other_methods_and_unknown_paths(gateway):
    gw = gateway(BASE)
    # 404, not 405: the pages are a GET-only fallback for paths no route has, so the router
    # knows no route at "/" and a POST there is a path it does not serve.
    status, _, body = fetch(gw, "/", method="POST", data=b"x")
    assert (status, body) == (404, b"no route at /\n")
    status, headers, body = fetch(gw, "/api/x")
    assert (status, body) == (404, b"no route at /api/x\n")
    assert "content-security-policy" not in headers  # not a page
    status, _, body = fetch(gw, "/nope.js")
    assert (status, body) == (404, b"no route at /nope.js\n")
    assert fetch(gw, "/api/dev/token")[0] == 405  # the route exists for POST


def test_head_answers_like_get_without_a_body(gateway):
    gw = gateway(DEV)
    # http.client reads a HEAD answer without content: a body sent anyway would be taken as the
    # next answer on this keep-alive connection, and the GET after it would fail to parse.
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    try:
        for path in ("/", "/client.js", "/health", "/nope"):
            conn.request("GET", path)
            got = conn.getresponse()
            body = got.read()
            conn.request("HEAD", path)
            head = conn.getresponse()
            assert head.read() == b""
            assert (head.status, head.getheader("Content-Length")) == (got.status, str(len(body)))
            assert head.getheader("Content-Type") == got.getheader("Content-Type"), path
        conn.request("GET", "/health")
        assert conn.getresponse().read() == b'{"status":"ok"}'
    finally:
        conn.close()


def test_method_not_allowed_says_which_are(gateway):
    gw = gateway(DEV)
    status, headers, _ = fetch(gw, "/api/dev/token")
    assert (status, headers.get("allow")) == (405, "POST")
    status, headers, _ = fetch(gw, "/health", method="POST", data=b"")
    assert (status, headers.get("allow")) == (405, "GET, HEAD")


# ---------------------------------------------------------------- /api/dev, /api/dev/token


def mint(gw, body=None, origin=None, raw=None):
    headers = {"Content-Type": "application/json", **({"Origin": origin} if origin else {})}
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    return fetch_json(gw, "/api/dev/token", headers, "POST", data)[::2]


def claims_of(tok):
    """The payload after checking the HS256 signature with the shared secret."""
    signing_input, _, sig = tok.rpartition(".")
    expected = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)) == expected
    payload = signing_input.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_dev_routes_when_dev_is_off(gateway):
    gw = gateway(BASE)
    assert fetch_json(gw, "/api/dev")[::2] == (200, {"devTokens": False})
    status, reply = mint(gw)
    assert status == 404 and "[dev] enabled = true" in reply["error"]


@pytest.mark.parametrize("config,why", [
    pytest.param("[dev]\nenabled = true\n", "no JWT secret", id="no-secret"),
    pytest.param(f'[dev]\nenabled = true\n[auth]\njwt_secret = "{SECRET}"\n'
                 'algorithms = ["ES256"]\n', "does not allow HS256", id="no-HS256"),
])
def test_dev_on_but_minting_impossible_says_why_and_answers_409(gateway, config, why):
    gw = gateway(config)
    status, _, reply = fetch_json(gw, "/api/dev")
    assert status == 200 and reply["devTokens"] is False and why in reply["why"], reply
    status, reply = mint(gw)
    assert status == 409 and why in reply["error"], reply


def test_a_minted_token_subscribes_with_its_ids_and_lives_token_ttl(gateway):
    gw = gateway(DEV + 'token_ttl = "10m"\n')
    assert fetch_json(gw, "/api/dev")[::2] == (200, {"devTokens": True})
    before = int(time.time())
    status, default = mint(gw)
    after = int(time.time())
    assert status == 200 and set(default) == {"token", "userId", "orgId", "exp"}
    assert (default["userId"], default["orgId"]) == ("dev-user", "dev-org")
    assert before + 600 <= default["exp"] <= after + 600
    claims = claims_of(default["token"])
    assert (claims["sub"], claims["app_metadata"]["org_id"], claims["exp"]) == (
        "dev-user", "dev-org", default["exp"])

    status, chosen = mint(gw, {"userId": "alice@example.com", "orgId": "org:1_a.b-c"},
                          origin=APP)
    assert status == 200 and (chosen["userId"], chosen["orgId"]) == (
        "alice@example.com", "org:1_a.b-c")

    async def both():
        replies = []
        for minted in (default, chosen):
            ws, reply = await subscribe(gw, minted["token"])
            replies.append((reply["userId"], reply["orgId"]))
            await ws.close()
        return replies

    assert run(both()) == [("dev-user", "dev-org"), ("alice@example.com", "org:1_a.b-c")]


def test_minting_refuses_bad_ids_bodies_and_origins(gateway):
    gw = gateway(DEV)
    assert mint(gw, {"userId": "u" * 128, "orgId": "o"})[0] == 200
    before = int(time.time())
    status, default = mint(gw, {})
    assert status == 200 and default["userId"] == "dev-user"
    assert before + 3600 <= default["exp"] <= int(time.time()) + 3600  # token_ttl's default
    for body, field in [({"userId": ""}, "userId"), ({"userId": "u" * 129}, "userId"),
                        ({"userId": "a b"}, "userId"), ({"userId": 7}, "userId"),
                        ({"userId": "\u00e9"}, "userId"), ({"orgId": "o/1"}, "orgId"),
                        ({"orgId": "o\n"}, "orgId")]:
        status, reply = mint(gw, body)
        assert status == 400 and reply["error"].startswith(field + ":"), (body, reply)
    for raw in (b"[]", b"not json", b'"dev-user"'):
        status, reply = mint(gw, raw=raw)
        assert status == 400 and reply["error"].startswith("body:"), (raw, reply)
    for origin in (EVIL, "null", APP + "/"):
        status, reply = mint(gw, origin=origin)
        assert status == 403 and f'origin "{origin}" is' in reply["error"], reply


# ---------------------------------------------------------------- /api/origin-check


def check(gw, query="", origin=None):
    status, headers, reply = fetch_json(gw, "/api/origin-check" + query,
                                        {"Origin": origin} if origin else {})
    assert headers.get("access-control-allow-origin") == "*", headers
    assert "access-control-allow-credentials" not in headers
    return status, reply


def test_origin_check_answers_every_page(gateway):
    gw = gateway(BASE)
    status, reply = check(gw, "?origin=" + APP, origin=EVIL)
    assert status == 200 and reply["origin"] == APP and reply["allowed"] is True
    assert reply["message"] == f'Origin {APP} is allowed by "{APP}" ([origins].allow)'
    assert "didYouMean" not in reply
    assert check(gw, "?origin=https%3A%2F%2Fapp.example.com")[1]["allowed"] is True  # decoded
    status, reply = check(gw, origin=EVIL)  # no parameter: the Origin header
    assert status == 200 and reply == {
        "origin": EVIL, "allowed": False,
        "message": f'origin "{EVIL}" is not allowed; add it to FRONTEND_URL, CORS_ORIGIN or '
                   "[origins].allow"}
    status, reply = check(gw, "?origin=https://www.app.example.com")
    assert reply["allowed"] is False and reply["didYouMean"] == APP
    status, reply = check(gw, "?origin=https://" + "a" * 1016)  # 1024 bytes: answered
    assert status == 200 and reply["allowed"] is False


@pytest.mark.parametrize("query,words", [
    pytest.param("", "origin: give ?origin=", id="none"),
    pytest.param("?origin=", "origin: give ?origin=", id="empty"),
    pytest.param("?foo=1", 'unknown parameter "foo"', id="unknown"),
    pytest.param("?origin=" + APP + "&x=1", 'unknown parameter "x"', id="extra"),
    pytest.param("?origin=https://" + "a" * 1017, "at most 1024 bytes", id="1025-bytes")])
def test_origin_check_refuses_unusable_requests(gateway, query, words):
    gw = gateway(BASE)
    status, reply = check(gw, query)
    assert status == 400 and words in reply["error"], reply


# ---------------------------------------------------------------- browser test calls


def test_web_voice_start_from_a_refused_origin_is_403_and_creates_nothing(gateway):
    gw = gateway(BASE)  # no Vapi key: the echo provider
    for origin in (EVIL, "null"):
        status, reply = start_call(gw, origin)
        assert status == 403 and f'origin "{origin}"' in reply["error"], reply
    assert calls(gw)["calls"] == []
    started = []
    for origin in (None, APP):
        status, reply = start_call(gw, origin)
        assert status == 200 and reply["vapiCallId"], reply
        started.append(reply["vapiCallId"])
    # Records are stored in order, just after the answer: once the last shows, all earlier have.
    listed = wait_for(lambda: [c["vapiCallId"] for c in calls(gw)["calls"]],
                      lambda ids: started[-1] in ids)
    assert sorted(listed) == sorted(started)


def test_a_refused_origin_never_reaches_the_paid_provider(gateway, fake_vapi):
    gw = gateway(BASE + fake_vapi.voxgate_config())
    assert start_call(gw, EVIL)[0] == 403
    assert fake_vapi.requests == []
    assert start_call(gw, APP)[0] == 200
    assert len(fake_vapi.requests) == 1  # the check above could have seen one


def test_an_echo_call_goes_connecting_in_progress_ended_and_counts_relayed_audio(gateway):
    gw = gateway(BASE)
    frames = [bytes([i]) * (160 * (i + 1)) for i in range(7)]  # sizes differ, so bytes tell

    async def scenario():
        dash, _ = await subscribe(gw, token())
        status, started = await asyncio.to_thread(start_call, gw)
        assert status == 200, started
        browser = await connect(started["bridgeWebsocketUrl"])
        await browser.send(json.dumps({"type": "auth", "token": token()}))
        while await asyncio.wait_for(browser.recv(), 10) != '{"type":"ready"}':
            pass
        events = [json.loads(await asyncio.wait_for(dash.recv(), 10))]
        while events[-1].get("status") != "in_progress":
            events.append(json.loads(await asyncio.wait_for(dash.recv(), 10)))
        # Events are stored before they are sent, so the record is in_progress by now.
        live = await asyncio.to_thread(calls, gw, f"/api/calls/{started['vapiCallId']}")
        for f in frames:
            await browser.send(f)
        echoed = []
        while len(echoed) < len(frames):
            if isinstance(m := await asyncio.wait_for(browser.recv(), 10), bytes):
                echoed.append(m)
        await browser.send(json.dumps({"type": "end-call"}))
        close = await closed_with(browser)
        while events[-1]["type"] != "call_ended":
            events.append(json.loads(await asyncio.wait_for(dash.recv(), 10)))
        await dash.close()
        return started, events, live, echoed, close

    started, events, live, echoed, close = run(scenario())
    assert echoed == frames and close == (1000, "Session ended")
    mine = [e for e in events if e.get("trackingId") == started["trackingId"]]
    assert [(e["type"], e.get("status")) for e in mine if e["type"] != "transcript"] == [
        ("call_status", "connecting"), ("call_status", "in_progress"), ("call_ended", None)]
    assert live["status"] == "in_progress" and live["startedAt"], live
    ended = calls(gw, f"/api/calls/{started['vapiCallId']}")
    assert ended["status"] == "ended" and ended["startedAt"] == live["startedAt"]
    metrics = gw.metrics()
    for direction in ("to_provider", "to_browser"):
        label = f'{{direction="{direction}"}}'
        assert metrics.get("voxgate_web_voice_audio_frames_total" + label) == len(frames)
        assert metrics.get("voxgate_web_voice_audio_bytes_total" + label) == sum(map(len, frames))
