#!/bin/sh
# The steps every scenarios/*/demo.sh takes, sourced from /opt/sandbox/demo-steps.sh
# (compose.yaml mounts it there): a demo shows each command as a learner types it, then
# runs it, and waits on conditions, each wait bounded.
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
