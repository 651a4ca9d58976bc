#!/bin/sh
# daemon: the seed's 四 守护进程, typed as a learner would.
# `docker compose run --rm daemon-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make daemon`) takes the same steps
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

say '其一:守护进程会在主进程代码执行结束后就终止'
run 'python3 piao.py'
run 'ps -eo pid,ppid,stat,args'

say '其二:守护进程内无法再开启子进程,否则抛出异常'
run 'python3 daemon_child.py'
exit 0  # it got to the end (a wait that gave up exits 1)
