"""One subscriber's view of its org, checked against what was published: a window opens with
the lastEventId of a subscribe without `since` and stays open across every reconnection that
passes `since`; it must hold each event published after its start exactly once, in order."""

import bisect


class Window:
    def __init__(self, kind, org, start_id):
        self.kind = kind          # "churn", "slow" or "watch"
        self.org = org
        self.start = start_id     # the subscribe's lastEventId: later events are owed
        self.last = start_id      # highest id seen
        self.seen = set()
        self.received = 0
        self.duplicates = 0       # an id received again
        self.out_of_order = 0     # a new id below one already seen
        self.end = None           # the id the window is checked up to (set by close())
        self.excused = []         # (after, before): ids a `"complete": false` recovery said
                                  # were already pruned from the history
        self.caught_up = False    # closed by a final catch-up to the org's last event

    def saw(self, event_id):
        self.received += 1
        if event_id in self.seen:
            self.duplicates += 1
            return
        if event_id < self.last:
            self.out_of_order += 1
        self.seen.add(event_id)
        self.last = max(self.last, event_id)

    def close(self, end_id, caught_up):
        self.end = end_id
        self.caught_up = caught_up

    def excuse(self, after, before):
        self.excused.append((after, before))

    def owed(self, published_ids):
        """The org's published ids (sorted) this window must hold: those in (start, end] but
        the ones the gateway reported as pruned."""
        end = self.last if self.end is None else self.end
        ids = published_ids[bisect.bisect_right(published_ids, self.start):
                            bisect.bisect_right(published_ids, end)]
        return [i for i in ids if not any(a < i < b for a, b in self.excused)]

    def pruned(self, published_ids):
        """How many published ids the window was excused from."""
        return sum(1 for i in published_ids if any(a < i < b for a, b in self.excused))

    def unknown(self, published_set):
        """Received ids the publisher never got an answer for (only with failed publishes)."""
        return [i for i in self.seen if i not in published_set]
