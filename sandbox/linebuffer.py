"""Line-buffered output for the scenarios' Python, as on the tutorial's terminal.

Copied into each container as /opt/sandbox/python/sitecustomize.py (on PYTHONPATH), so
every python3 there imports it at start-up. On a terminal Python's stdout is
line-buffered; on the pipe `docker exec` gives it, it would be block-buffered (prints
arrive at exit) or, with PYTHONUNBUFFERED, written word by word (print's arguments as
separate writes, which interleave between processes: `主子 13` / ` 14`). Line buffering
makes each printed line one write, as the tutorial's terminal did.
"""

import contextlib
import sys

for _stream in (sys.stdout, sys.stderr):
    with contextlib.suppress(AttributeError, ValueError):  # replaced or closed already
        _stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
