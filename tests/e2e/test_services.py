"""The test environment of the multi-node tests (issue 7): Debian's PostgreSQL and NATS servers
answer on loopback, and either one comes back on the same address after a restart."""

import socket
import subprocess
from urllib.parse import urlsplit


def psql(url, sql):
    done = subprocess.run(["psql", url, "-qtAX", "-c", sql], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def nats_round_trip(url, subject="voxgate.test", payload=b"hello"):
    """Subscribes, publishes and reads the message back over NATS's text protocol."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        f = s.makefile("rb")
        info = f.readline()
        assert info.startswith(b"INFO {"), info
        s.sendall(b'CONNECT {"verbose":false,"pedantic":true}\r\nSUB ' + subject.encode() +
                  b" 1\r\nPUB " + subject.encode() + b" %d\r\n" % len(payload) + payload +
                  b"\r\nPING\r\n")
        lines = []
        while b"PONG\r\n" not in lines:
            lines.append(f.readline())
        msg = [i for i, line in enumerate(lines) if line.startswith(b"MSG ")]
        assert msg, lines
        assert lines[msg[0]].split()[1] == subject.encode()
        return lines[msg[0] + 1].rstrip(b"\r\n")


def test_postgres_answers_on_loopback(services):
    url = services.pg_url
    assert urlsplit(url).hostname == "127.0.0.1"
    assert psql(url, "SELECT current_database()") == "voxgate"
    assert psql(url, "SHOW listen_addresses") == "127.0.0.1"


def test_nats_delivers_a_message_on_loopback(services):
    assert urlsplit(services.nats_url).hostname == "127.0.0.1"
    assert nats_round_trip(services.nats_url, payload=b"first") == b"first"


def test_both_come_back_on_the_same_address_after_a_restart(services):
    pg, nats = services.pg_url, services.nats_url
    psql(pg, "CREATE TABLE IF NOT EXISTS survives_restart (v int); INSERT INTO survives_restart VALUES (7)")
    services.stop_pg()
    done = subprocess.run(["psql", pg, "-c", "SELECT 1"], capture_output=True, text=True, timeout=30)
    assert done.returncode != 0, "PostgreSQL still answers after stop-pg"
    services.start_pg()
    assert services.pg_url == pg
    assert psql(pg, "SELECT sum(v) FROM survives_restart") == "7"

    services.stop_nats()
    try:
        socket.create_connection((urlsplit(nats).hostname, urlsplit(nats).port), timeout=2).close()
        raise AssertionError("NATS still answers after stop-nats")
    except ConnectionRefusedError:
        pass
    services.start_nats()
    assert services.nats_url == nats
    assert nats_round_trip(nats, payload=b"again") == b"again"
