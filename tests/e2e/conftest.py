"""Starts the real voxgate binary for end-to-end tests and reads its JSON logs."""

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytest_plugins = ["conftest_fake_vapi", "conftest_services"]  # fake_vapi, services

REPO = Path(__file__).resolve().parents[2]

# What ASan, LSan and UBSan print when they find something; the asan build exits non-zero too.
SANITIZER_MARKERS = ("ERROR: LeakSanitizer", "ERROR: AddressSanitizer", "runtime error:")


def sanitizer_report(text_or_lines, context=3, limit=300):
    """The first sanitizer report in a process's output (with the lines before it), or None."""
    lines = text_or_lines.splitlines() if isinstance(text_or_lines, str) else list(text_or_lines)
    for i, line in enumerate(lines):
        if any(marker in line for marker in SANITIZER_MARKERS):
            return "\n".join(lines[max(0, i - context):i + limit])
    return None


# Variables that change voxgate's behaviour; tests set them explicitly or not at all.
VOXGATE_ENV = ("FRONTEND_URL", "CORS_ORIGIN", "ALLOWED_WS_ORIGINS", "PORT", "VOXGATE_LISTEN",
               "VOXGATE_CONFIG", "SUPABASE_JWT_SECRET", "VOXGATE_API_KEY")


def pytest_addoption(parser):
    parser.addoption("--voxgate", default=str(REPO / "build/release/voxgate"),
                     help="path of the voxgate binary under test")


@pytest.fixture(scope="session")
def voxgate_bin(request):
    path = request.config.getoption("--voxgate")
    assert os.access(path, os.X_OK), f"voxgate binary not found at {path}; build it first"
    return path


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in VOXGATE_ENV and not k.startswith(("VOXGATE_", "VAPI_"))}
    env.update(extra or {})
    return env


class Gateway:
    """One running voxgate process with its config file and captured log lines."""

    def __init__(self, binary, workdir, config_text, env=None, args=()):
        self.workdir = Path(workdir)
        self.config_path = self.workdir / "voxgate.toml"
        self.config_path.write_text(config_text)
        self.logs = []
        self.raw = []
        self.expected_exit = 0  # a test that kills the process on purpose says so
        self._cond = threading.Condition()
        cmd = [binary, "serve", "--config", str(self.config_path), "--listen", "127.0.0.1:0",
               *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env=clean_env(env), cwd=self.workdir)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            line = self.wait_for_log("voxgate listening", timeout=20)
        except AssertionError:
            self.proc.kill()  # no owner will stop a gateway that never started
            self.proc.wait()
            raise
        self.port = line["port"]
        self.host = "127.0.0.1"

    def _read(self):
        for raw in self.proc.stdout:
            text = raw.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                self.raw.append(text)
                try:
                    self.logs.append(json.loads(text))
                except ValueError:
                    pass
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_for_log(self, msg, timeout=10, start=0, **fields):
        """Returns the first log line at or after index `start` with this msg and fields."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.logs[start:]:
                    if line.get("msg") == msg and all(line.get(k) == v for k, v in fields.items()):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(f"no log line {msg!r} {fields}; got:\n" +
                                         "\n".join(self.raw[-40:]))
                self._cond.wait(left)

    def log_mark(self):
        with self._cond:
            return len(self.logs)

    def lines(self, msg):
        with self._cond:
            return [l for l in self.logs if l.get("msg") == msg]

    def url(self, path):
        return f"http://{self.host}:{self.port}{path}"

    def ws_url(self, path):
        return f"ws://{self.host}:{self.port}{path}"

    def get(self, path, headers=None, method="GET"):
        req = urllib.request.Request(self.url(path), headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status, dict(res.headers), res.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def metrics(self):
        status, _, body = self.get("/metrics")
        assert status == 200
        values = {}
        for line in body.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = float(value)
        return values

    def metric(self, series):
        return self.metrics().get(series, 0.0)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def write_config(self, text):
        # Write then rename, as editors and config managers do.
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, self.config_path)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        return self.proc.returncode

    def exit_problem(self):
        """Stops the process; says what is wrong with how it ended (None when nothing is): an exit
        status other than expected_exit, or a sanitizer report, which is never expected."""
        code = self.stop()
        with self._cond:
            report = sanitizer_report(self.raw)
            tail = "\n".join(self.raw[-60:])
        if report is not None:
            return f"sanitizer report from voxgate (exit status {code}):\n{report}"
        if code != self.expected_exit:
            return f"voxgate exited with {code}, expected {self.expected_exit}:\n{tail}"
        return None


def stop_all(gateways):
    """Stops every gateway, then fails with what went wrong in any of them."""
    problems = [p for p in (gw.exit_problem() for gw in gateways) if p is not None]
    assert not problems, "\n\n".join(problems)


@pytest.fixture
def gateway(voxgate_bin, tmp_path):
    """gateway(config_text, env=None) starts voxgate; every started one is stopped after."""
    started = []

    def start(config_text="", env=None, args=()):
        gw = Gateway(voxgate_bin, tmp_path, config_text, env, args)
        started.append(gw)
        return gw

    yield start
    # After a graceful stop a leak or memory error is reported here and fails the test.
    stop_all(started)


def raw_http(port, data, timeout=10):
    """Sends raw bytes and returns everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


@pytest.fixture(scope="module")
def echo_server(voxgate_bin, tmp_path_factory):
    """One gateway with the RFC 6455 echo route for a whole module of conformance cases."""
    max_message = 64 * 1024
    gw = Gateway(voxgate_bin, tmp_path_factory.mktemp("echo"),
                 '[dev]\necho_route = true\n[limits]\nws_message_bytes = "64KiB"\n')
    gw.max_message = max_message
    yield gw
    stop_all([gw])
