#!/bin/sh
# zombie-flood: the seed's 2.僵尸进程与孤儿进程 — 三:僵尸进程危害场景, typed as a learner would.
# `docker compose run --rm zombie-flood-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make zombie-flood`) takes the same steps
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
