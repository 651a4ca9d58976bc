#!/bin/sh
# ticket-race: the seed's 五 互斥锁 part2 (文件当数据库,模拟抢票), typed as a learner would.
# `docker compose run --rm ticket-race-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make ticket-race`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)

say '文件db的内容为:{"count":1} (compose.yaml mounts the scripts, not db.txt: it is written here)'
run "echo '{\"count\":1}' > db.txt"
say '并发运行,效率高,但竞争写同一文件,数据写入错乱 (100 clients: their lines, and errors, counted)'
run "python3 no_lock.py 2>&1 | grep -E '剩余票数|购票成功|Error' | sort | uniq -c"
run 'cat db.txt; echo'

say '加锁:购票行为由并发变成了串行,牺牲了运行效率,但保证了数据安全'
run "echo '{\"count\":1}' > db.txt"
start 'python3 with_lock.py > with_lock.out 2>&1'
main=$!
upto 30 'ps -o wchan= -p $main | grep -q "^do_wait"'  # all 100 started; it waits for them
say 'the clients at the lock'
run 'ps -eo stat,wchan:20,args | sort | uniq -c'
run "wait $main"
run "grep -E '剩余票数|购票成功|Error' with_lock.out | sort | uniq -c"
run 'cat db.txt; echo'
exit 0  # it got to the end (a wait that gave up exits 1)
