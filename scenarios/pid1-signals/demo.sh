#!/bin/sh
# pid1-signals: docker stop and Ctrl-C against PID 1, the seed's test.py as the workload, typed as a learner would.
# `docker compose run --rm pid1-signals-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make pid1-signals`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)

say "compose cannot show docker stop itself: that is the host's (docker compose stop, from another terminal). Shown here: who PID 1 is, and what it does with the SIGTERM docker stop sends it"
start python3 test.py
parent=$!
upto 20 'ps -o stat= --ppid $parent | grep -q Z'  # as in 四:测试: 主 sleeps beside its zombie
run 'ps -o pid,stat,args -p 1'
say 'docker stop -t 3: SIGTERM to PID 1, SIGKILL when the 3 s grace period is out. The SIGTERM, sent from in here: where PID 1 acts on it the container ends at once, and `docker compose run` exits 143 (128 + 15)'
run 'kill -TERM 1'
during 3 '[ -d /proc/1 ]'  # a PID 1 that acts on it (or forwards it) ends this container now
say 'still running 3 s later: the kernel dropped the SIGTERM, as it drops every signal PID 1 has no handler for. docker stop would now SIGKILL it (exit 137); where PID 1 handles or forwards SIGTERM, the container had ended at once (exit 143)'
run "kill $parent"
wait "$parent"
exit 0  # it got to the end (a wait that gave up exits 1)
