#!/bin/sh
# daemon-confusing: the seed's 四 守护进程 — 迷惑人的例子, typed as a learner would.
# `docker compose run --rm daemon-confusing-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make daemon-confusing`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)

say '迷惑人的例子: p1 (daemon) sleeps 1 s, p2 sleeps 3 s'
start python3 confusing.py
main=$!
# Once main------- is printed the main code is over: Python ends the daemon p1 (it is
# gone, or a zombie until it is waited for) and waits (wait) for p2, its one child left running.
upto 20 'ps -o wchan= -p $main | grep -q "^do_wait" && [ "$(ps -o stat= --ppid $main | grep -c "^[RSD]")" -eq 1 ]'
run 'ps -eo pid,ppid,stat,args'
run "wait $main"
exit 0  # it got to the end (a wait that gave up exits 1)
