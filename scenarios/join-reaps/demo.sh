#!/bin/sh
# join-reaps: the seed's 解决方法二 and 思考 (p.join()), typed as a learner would.
# `docker compose run --rm join-reaps-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make join-reaps`) takes the same steps
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
