#!/bin/sh
# pid-exhaustion: the harm the seed's 一:僵尸进程(有害) names, typed as a learner would.
# `docker compose run --rm pid-exhaustion-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make pid-exhaustion`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)
zombies() {  # whether the container has a zombie: read with the shell's own `read`, no fork
  for stat in /proc/[0-9]*/stat; do
    read -r line <"$stat" 2>/dev/null || continue
    state=${line##*) }
    [ "${state%% *}" = Z ] && return 0
  done
  return 1
}

say '系统所能使用的进程号是有限的: this container may hold 32 processes (pids_limit in compose.yaml, as docker run --pids-limit 32)'
mkfifo /tmp/out /tmp/typed
# A second shell, started while process numbers are still free, like a second terminal
# opened beforehand: it runs the command typed below. (This one could not try it: a shell
# that cannot fork for a command gives up and exits.)
sh -c 'read -r typed </tmp/typed; eval "$typed"' &
other=$!
say "test.py forks children that exit at once, and never waits. Its output comes through a FIFO this shell reads with its own read: waiting for it takes no process number, and none will be left"
start 'python3 test.py > /tmp/out'
parent=$!
while IFS= read -r line; do
  printf '%s\n' "$line"
  case $line in 主*) break ;; esac
done </tmp/out

say '如果大量的产生僵死进程,将因为没有可用的进程号而导致系统不能产生新的进程: ps, typed in the other shell, is one more process'
printf '$ %s\n' 'ps aux | grep Z'
echo 'ps aux | grep Z' >/tmp/typed
wait "$other"

say '解决方法一:杀死父进程 (kill is built into the shell: it takes no process number)'
run "kill $parent"
wait "$parent"
say "its zombies are orphans now: PID 1 (or a subreaper) reaps them at once, or they keep their numbers (looking for 2 s, with the one number the parent's end freed)"
looks=20
while [ "$looks" -gt 0 ] && zombies; do looks=$((looks - 1)); sleep 0.1; done
run 'ps -eo pid,ppid,stat,args'
exit 0  # it got to the end (a wait that gave up exits 1)
