"""A fixed piece of pure-Python work timed in CPU seconds: how fast this machine runs Python just now.

On a shared virtual machine the same work takes more or less CPU time from minute to minute (other
guests share the host's cores and caches), by as much as a half. A bench that divides two CPU times
measured minutes apart times this work beside each, so that a slower machine can be told from slower code.
"""

from __future__ import annotations

import time

WORDS = [f"word{i % 997}" for i in range(40_000)]


def reference_cpu() -> float:
    """CPU seconds of the same mix of dict, string and integer work every time (about 40 ms on this machine)."""
    start = time.process_time()
    counts: dict[str, int] = {}
    for word in WORDS:
        counts[word] = counts.get(word, 0) + 1
    joined = " ".join(sorted(counts, key=counts.__getitem__))
    total = 0
    for i in range(400_000):
        total += i * i % 7
    assert joined and total
    return time.process_time() - start
