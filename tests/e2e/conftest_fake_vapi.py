"""pytest plugin: the `fake_vapi` fixture, a running fake Vapi (fake_vapi.py) per test.

A web voice test points voxgate at it and changes its switches before the call starts:

    def test_call(gateway, fake_vapi):
        gw = gateway(fake_vapi.voxgate_config(request_timeout="2s"))
        fake_vapi.mode["create_status"] = 500
"""

import pytest

from fake_vapi import FakeVapi


@pytest.fixture
def fake_vapi():
    """A started FakeVapi; stopped after the test, which fails if the fake itself broke."""
    fake = FakeVapi()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    assert not fake.errors, f"fake Vapi failed internally: {fake.errors}"
