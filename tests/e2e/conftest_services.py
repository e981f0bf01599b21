"""pytest plugin: `services`, real PostgreSQL and NATS servers (Debian's) on loopback.

Started once per test session by tests/services/services.sh in a temporary folder and stopped
at the end; a test may stop and start either server (a restart keeps its port):

    def test_x(services):
        services.stop_pg(); services.start_pg()
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "services" / "services.sh"


class Services:
    def __init__(self, folder):
        self.folder = folder
        self.urls = {}

    def run(self, command):
        done = subprocess.run(["bash", str(SCRIPT), command, self.folder], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, f"services.sh {command} failed:\n{done.stderr}"
        for line in done.stdout.splitlines():
            key, _, value = line.partition("=")
            if value:
                self.urls[key] = value

    @property
    def pg_url(self):
        return self.urls["VOXGATE_TEST_PG_URL"]

    @property
    def nats_url(self):
        return self.urls["VOXGATE_TEST_NATS_URL"]

    def start_pg(self):
        self.run("start-pg")

    def stop_pg(self):
        self.run("stop-pg")

    def start_nats(self):
        self.run("start-nats")

    def stop_nats(self):
        self.run("stop-nats")


@pytest.fixture(scope="session")
def services():
    folder = tempfile.mkdtemp(prefix="voxgate-services-")
    s = Services(folder)
    try:
        s.run("start")
        yield s
    finally:
        s.run("stop")
        shutil.rmtree(folder, ignore_errors=True)
