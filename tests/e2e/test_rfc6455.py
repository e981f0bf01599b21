"""RFC 6455 conformance of voxgate's WebSocket stack, driven by an independent raw-socket client.

Needs a fixture `echo_server` (conftest.py) with `.host`, `.port` and `.max_message`: a running
voxgate with [dev] echo_route = true, whose /ws/echo returns every message unchanged, and whose
[limits] ws_message_bytes is `.max_message`. An optional `.path` overrides "/ws/echo".
"""

import pytest

import rfc6455_client as rfc


@pytest.mark.parametrize("name", rfc.case_names())
def test_rfc6455_conformance(echo_server, name):
    case = next(c for c in rfc.cases(echo_server.max_message) if c.name == name)
    reason = rfc.skip_reason(case, echo_server.max_message)
    if reason:
        pytest.skip(reason)
    path = getattr(echo_server, "path", "/ws/echo")
    passed, detail = rfc.run_case(echo_server.host, echo_server.port, path, case)
    assert passed, f"{case.summary}: {detail}"
