#!/bin/sh
# The seed's 四:测试 typed by hand, for `docker compose run --rm zombie-noreap` (or -tini).
# The controller (`make zombie`) does the same steps and checks what they show.
python3 test.py &
parent=$!
until ps -eo stat= | grep -q '^Z'; do sleep 0.1; done   # wait for the child to exit
echo "\$ ps aux | grep Z"; ps aux | grep Z
echo "\$ top -bn1 | head -5"; top -bn1 | head -5
echo "\$ kill $parent   # 解决方法一:杀死父进程"; kill "$parent"; wait "$parent"
echo "\$ ps -eo pid,ppid,stat,args"; ps -eo pid,ppid,stat,args
