"""The tests' fake Vapi (tests/e2e/fake_vapi.py: Vapi's REST call creation and call WebSocket
over real sockets) as a process of its own for the soak. Prints its port, serves until SIGTERM,
then prints one summary line. Calls end on the provider's side after --close-after-frames
frames; the frames it records are forgotten every few seconds so a long run stays small."""

import argparse
import collections
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "e2e"))
from fake_vapi import FakeVapi  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--close-after-frames", type=int, default=1500)
    args = parser.parse_args()

    fake = FakeVapi(api_key=args.api_key)
    fake.mode["ws_close_after_frames"] = args.close_after_frames
    fake.mode["idle_timeout"] = 30.0
    # Calls whose socket brought {"type":"end-call"}: the fake's closed_by says "client"
    # instead of "end-call" when the close frame arrives in the same read.
    end_call_received = set()
    on_text = fake._on_text

    async def note_end_call(session, text):
        if '"end-call"' in text:
            end_call_received.add(session.call.id)
        await on_text(session, text)
    fake._on_text = note_end_call
    fake.start()
    print(fake.port, flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(5):
        with fake.lock:
            for call in fake.calls.values():
                call.received.clear()
                call.sent.clear()
    with fake.lock:
        closed_by = collections.Counter(c.closed_by or "open" for c in fake.calls.values())
        frames = sum(c.binary_count for c in fake.calls.values())
        calls = len(fake.calls)
    fake.stop()
    print(f"provider calls={calls} frames_received={frames} "
          f"end_call_received={len(end_call_received)} "
          f"closed_by={dict(sorted(closed_by.items()))} errors={len(fake.errors)}", flush=True)
    for e in fake.errors[:5]:
        print(e, file=sys.stderr)
    return 1 if fake.errors else 0


if __name__ == "__main__":
    sys.exit(main())
