#!/bin/sh
# zombie: the seed's 2.僵尸进程与孤儿进程 — 四:测试, typed as a learner would.
# `docker compose run --rm zombie-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make zombie`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)

say '#2 在unix或linux系统上执行'
start python3 test.py
parent=$!
upto 20 'ps -o stat= --ppid $parent | grep -q Z'  # its child printed 子 and exited
zombie=$(ps -o pid= --ppid "$parent" | tr -d ' ')
run 'ps aux | grep Z'
run 'top -bn1 | head -5'

say '#3 解决方法一:杀死父进程'
run "kill $parent"
wait "$parent"
say "the zombie's adopter (PID 1, or a subreaper) reaps it at once, or never (looking for 2 s)"
during 2 'ps -o stat= -p $zombie | grep -q Z'
run 'ps -eo pid,ppid,stat,args'
exit 0  # it got to the end (a wait that gave up exits 1)
