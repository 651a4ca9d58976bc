#!/bin/sh
# start-methods: the seed's 四:测试 under each start method, typed as a learner would.
# `docker compose run --rm start-methods-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make start-methods`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)
# Each script's output goes to a file: the child's `子 <pid> <ppid>` line, its last act,
# is what is waited for.
show() {  # show SCRIPT: run it until its child has printed and exited, look, kill it
  out=/tmp/$1.out
  start "python3 $1 > $out"
  main=$!
  upto 20 'grep -q "^子" $out'
  child=$(awk '/^子/ { print $2 }' "$out")
  upto 20 '! ps -o stat= -p $child | grep -q "^[RSD]"'
  run "cat $out"
  run 'ps -eo pid,ppid,stat,args'
  run "kill $main"
  wait "$main"
}

say "test.py as the seed wrote it: the start method is this Python's default (fork up to 3.13, forkserver from 3.14)"
show test.py
say "set_start_method('forkserver'): a server process forks the child and waits for it (what test.py left behind may still be listed)"
show test_forkserver.py
exit 0  # it got to the end (a wait that gave up exits 1)
