"""Wait until a URL answers (any HTTP status), at most 60 s: `make run` prints its login banner after it."""

import sys
import time
import urllib.error
import urllib.request

url = sys.argv[1]
for _ in range(120):
    try:
        urllib.request.urlopen(url, timeout=2)
        break
    except urllib.error.HTTPError:
        break  # it answered (a 503 while the worker has not been seen yet is an answer too)
    except OSError:
        time.sleep(0.5)
