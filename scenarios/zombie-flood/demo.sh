#!/bin/sh
# zombie-flood: the seed's 2.僵尸进程与孤儿进程 — 三:僵尸进程危害场景, typed as a learner would.
# `docker compose run --rm zombie-flood-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make zombie-flood`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)

say '父进程只管生成新的子进程,至于子进程退出之后的事情,则一概不闻不问 (flood.py: 10 children, 0.1 s apart)'
start python3 flood.py
parent=$!
upto 20 '[ "$(ps -o stat= --ppid $parent | grep -c Z)" -ge 10 ]'
run 'ps aux | grep Z'
run 'top -bn1 | head -2'

say '把产生大量僵死进程的那个元凶枪毙掉 (通过kill发送SIGTERM)'
run "kill $parent"
wait "$parent"
say 'init进程会wait()这些孤儿进程? PID 1 (or a subreaper) reaps them at once, or never (looking for 2 s)'
during 2 'ps -eo stat= | grep -q Z'
run 'ps aux | grep Z'
exit 0  # it got to the end (a wait that gave up exits 1)
