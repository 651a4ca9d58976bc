#!/bin/sh
# start-methods: the seed's 四:测试 under each start method, typed as a learner would.
# `docker compose run --rm start-methods-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make start-methods`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
exec 2>&1  # one stream: what goes to stderr lands in order, with -T (no terminal) too
say() { printf '\n# %s\n' "$*"; }              # a comment, like the seed's own
run() { printf '$ %s\n' "$*"; eval "$*"; }      # a command: shown as typed, then run
start() { printf '$ %s &\n' "$*"; eval "$* &"; echo "[1] $!"; }  # a job in the background
# Waits look every 0.1 s, SECONDS*10 times at most. (Not `timeout`: what it kills leaves
# orphans, which a PID 1 that never reaps would keep as zombies beside the demo's own.)
upto() {  # upto SECONDS CONDITION: until it holds; the demo fails if it never does
  looks=$(($1 * 10))
  until eval "$2"; do
    looks=$((looks - 1))
    [ "$looks" -gt 0 ] || { echo "demo.sh: not within $1 s: $2" >&2; exit 1; }
    sleep 0.1
  done
}
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
