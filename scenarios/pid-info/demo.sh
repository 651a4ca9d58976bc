#!/bin/sh
# pid-info: the seed's 1.Process对象的方法与属性, typed as a learner would.
# `docker compose run --rm pid-info-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make pid-info`) takes the same steps
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
