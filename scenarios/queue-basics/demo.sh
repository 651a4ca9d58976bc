#!/bin/sh
# queue-basics: the seed's 六 队列 应用, typed as a learner would.
# `docker compose run --rm queue-basics-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make queue-basics`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)

say '六 队列 应用: Queue(3) — put, full(), get, empty() (and put_nowait, get_nowait)'
run 'python3 queue_demo.py'
say 'one process, and no process left: there is nothing here for ps to show'
exit 0  # it got to the end (a wait that gave up exits 1)
