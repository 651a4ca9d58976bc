#!/bin/sh
# join-reaps: the seed's 解决方法二 and 思考 (p.join()), typed as a learner would.
# `docker compose run --rm join-reaps-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make join-reaps`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)

say '思考: p.join(), then print(p.pid) — 此时能否看到子进程p的id号?'
start python3 join_pid.py
parent=$!
upto 20 'ps -o wchan= --ppid $parent | grep -q sleep'  # task() printed `is running`, sleeps 3 s
child=$(ps -o pid= --ppid "$parent" | tr -d ' ')
run "ps aux | grep $child"

say 'p.join() waits for it (wait), then the parent prints p.pid and 主, and sleeps'
upto 20 '! ps -p $child >/dev/null && ps -o wchan= -p $parent | grep -q sleep'
run 'ps aux | grep Z'
run "ps aux | grep $child"

say "the seed's script would end here; ours sleeps, so kill it"
run "kill $parent"
wait "$parent"
exit 0  # it got to the end (a wait that gave up exits 1)
