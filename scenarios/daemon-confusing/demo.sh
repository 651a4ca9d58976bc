#!/bin/sh
# daemon-confusing: the seed's 四 守护进程 — 迷惑人的例子, typed as a learner would.
# `docker compose run --rm daemon-confusing-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make daemon-confusing`) takes the same steps
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

say '迷惑人的例子: p1 (daemon) sleeps 1 s, p2 sleeps 3 s'
start python3 confusing.py
main=$!
# Once main------- is printed the main code is over: Python ends the daemon p1 (it is
# gone, or a zombie until it is waited for) and waits (wait) for p2, its one child left running.
upto 20 'ps -o wchan= -p $main | grep -q "^do_wait" && [ "$(ps -o stat= --ppid $main | grep -c "^[RSD]")" -eq 1 ]'
run 'ps -eo pid,ppid,stat,args'
run "wait $main"
exit 0  # it got to the end (a wait that gave up exits 1)
