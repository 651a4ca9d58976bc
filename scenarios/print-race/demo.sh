#!/bin/sh
# print-race: the seed's 五 互斥锁 part1, typed as a learner would.
# `docker compose run --rm print-race-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make print-race`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)

say '并发运行,效率高,但竞争同一打印终端,带来了打印错乱'
start python3 no_lock.py
main=$!
upto 20 '[ "$(ps -o wchan= --ppid $main | grep -c sleep)" -eq 3 ]'  # all three in time.sleep(2)
run 'ps -eo pid,ppid,stat,wchan:20,args'
run "wait $main"

say '加锁:由并发变成了串行,牺牲了运行效率,但避免了竞争'
start python3 with_lock.py
main=$!
# One worker holds the lock and sleeps; the other two wait for the lock (a futex).
upto 20 'ps -o wchan= --ppid $main | grep -c sleep | grep -qx 1 && ps -o wchan= --ppid $main | grep -c futex | grep -qx 2'
run 'ps -eo pid,ppid,stat,wchan:20,args'
run "wait $main"
exit 0  # it got to the end (a wait that gave up exits 1)
