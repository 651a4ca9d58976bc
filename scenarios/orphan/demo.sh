#!/bin/sh
# orphan: the seed's 2.僵尸进程与孤儿进程 — 二:孤儿进程(无害), typed as a learner would.
# `docker compose run --rm orphan-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make orphan`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)

say '执行文件'
start python3 test.py
father=$!
wait "$father"  # it prints, forks, prints `father died..` and exits at once
child=$(pgrep -f '^python3 test.py$')
# The child sleeps 1 s, prints `im child <pid> <ppid>`, and then (test.py) lets go of the
# terminal and waits for SIGUSR1: once its stdout is /dev/null, it has printed.
upto 20 '[ "$(readlink /proc/$child/fd/1)" = /dev/null ]'
run 'ps -eo pid,ppid,stat,args'

say "the orphan ends when told (the seed's ends right after printing)"
run "kill -USR1 $child"
upto 20 '! ps -o stat= -p $child | grep -q "^[RSD]"'
say '孤儿进程声明周期结束自然会被init来销毁? Its adopter reaps it at once, or never (looking for 2 s)'
during 2 'ps -o stat= -p $child | grep -q Z'
run 'ps -eo pid,ppid,stat,args'
exit 0  # it got to the end (a wait that gave up exits 1)
