"""The leak check of the sanitizer build is live: after a graceful stop, a LeakSanitizer report
fails the test that owned voxgate (conftest's exit_problem). Skipped for a release binary."""

import subprocess

import pytest

from conftest import Gateway, clean_env

# LSan scanning no roots: everything still allocated at exit is reported, a leak on demand.
FORCED_LEAK = {"ASAN_OPTIONS": "detect_leaks=1",
               "LSAN_OPTIONS": "use_globals=0:use_stacks=0:use_tls=0:use_registers=0"}


def sanitizer_build(voxgate_bin):
    # An ASan runtime lists its flags for help=1; a release binary just prints its version.
    res = subprocess.run([voxgate_bin, "--version"], capture_output=True, text=True, timeout=30,
                         env=clean_env({"ASAN_OPTIONS": "help=1"}))
    return "AddressSanitizer" in res.stdout + res.stderr


def test_a_leak_report_after_a_graceful_stop_fails_the_owner(voxgate_bin, tmp_path):
    if not sanitizer_build(voxgate_bin):
        pytest.skip("voxgate is not an ASan build")
    gw = Gateway(voxgate_bin, tmp_path, "", env=FORCED_LEAK)
    assert gw.get("/health")[0] == 200
    problem = gw.exit_problem()
    assert problem is not None and "ERROR: LeakSanitizer" in problem, problem
