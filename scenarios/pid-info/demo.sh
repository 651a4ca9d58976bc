#!/bin/sh
# pid-info: the seed's 1.Process对象的方法与属性, typed as a learner would.
# `docker compose run --rm pid-info-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make pid-info`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)

say '1.Process对象的方法与属性: current_process().pid, os.getpid(), os.getppid()'
start python3 pid_info.py
parent=$!
upto 20 'ps -o wchan= --ppid $parent | grep -q sleep'  # the child printed 子 and sleeps
child=$(ps -o pid= --ppid "$parent" | tr -d ' ')
say 'ps aux|grep PID查看具体的进程'
run "ps aux | grep $child"

say 'p.terminate(), is_alive() at once and after time.sleep(0.1), exitcode (pid_info.py waits for SIGUSR1 first: a learner pressing Enter)'
run "kill -USR1 $parent"
run "wait $parent"
run "ps aux | grep $child"
exit 0  # it got to the end (a wait that gave up exits 1)
