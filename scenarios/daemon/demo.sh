#!/bin/sh
# daemon: the seed's 四 守护进程, typed as a learner would.
# `docker compose run --rm daemon-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make daemon`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)

say '其一:守护进程会在主进程代码执行结束后就终止'
run 'python3 piao.py'
run 'ps -eo pid,ppid,stat,args'

say '其二:守护进程内无法再开启子进程,否则抛出异常'
run 'python3 daemon_child.py'
exit 0  # it got to the end (a wait that gave up exits 1)
