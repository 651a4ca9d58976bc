#!/bin/sh
# zombie: the seed's 2.僵尸进程与孤儿进程 — 四:测试, typed as a learner would.
# `docker compose run --rm zombie-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make zombie`) takes the same steps
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
during() {  # during SECONDS CONDITION: while it holds, SECONDS at most (does it stay?)
  looks=$(($1 * 10))
  while [ "$looks" -gt 0 ] && eval "$2"; do looks=$((looks - 1)); sleep 0.1; done
}

say '#2 在unix或linux系统上执行'
start python3 test.py
parent=$!
upto 20 'ps -o stat= --ppid $parent | grep -q Z'  # its child printed 子 and exited
zombie=$(ps -o pid= --ppid "$parent" | tr -d ' ')
run 'ps aux | grep Z'
run 'top -bn1 | head -5'

say '#3 解决方法一:杀死父进程'
run "kill $parent"
wait "$parent"
say "the zombie's adopter (PID 1, or a subreaper) reaps it at once, or never (looking for 2 s)"
during 2 'ps -o stat= -p $zombie | grep -q Z'
run 'ps -eo pid,ppid,stat,args'
exit 0  # it got to the end (a wait that gave up exits 1)
