"""Run by tests/api/test_rate_limit_windows.py in separate processes: add HITS requests to one rate-limit counter
(after the start file appears, so that the processes overlap) and print how many were within LIMIT."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleet.settings")

import django  # noqa: E402

django.setup()

from vehicles.api import throttling  # noqa: E402

key, hits, limit, duration, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
deadline = time.monotonic() + 30
while not os.path.exists(start) and time.monotonic() < deadline:
    time.sleep(0.01)
allowed = 0
for _ in range(hits):
    count = throttling.add_to_counter(key, 1, duration)
    assert count is not None, "the cache was unreachable"
    allowed += count <= limit
print(allowed)
