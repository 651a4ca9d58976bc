#!/bin/sh
# producer-consumer: the seed's 生产者消费者模型, typed as a learner would.
# `docker compose run --rm producer-consumer-noreap` runs it under a PID 1 that never reaps (or
# -tini, -none, ...: compose.yaml). The controller (`make producer-consumer`) takes the same steps
# and checks what they show. Each command is shown after `$ `, then run.
. /opt/sandbox/demo-steps.sh  # say, run, start, upto, during (docker/demo-steps.sh)

say '基于队列实现生产者消费者模型 (model.py): the producer makes 10 包子, 1-3 s each'
start python3 model.py
main=$!
upto 20 '[ "$(ps -o pid= --ppid $main | wc -l)" -eq 2 ]'
producer=$(ps -o pid= --ppid "$main" | sort -n | head -1 | tr -d ' ')
consumer=$(ps -o pid= --ppid "$main" | sort -n | tail -1 | tr -d ' ')
# The producer is done, and the consumer has eaten everything and waits in q.get() (a
# read of the queue's pipe).
upto 60 '! ps -o stat= -p $producer | grep -q "^[RSD]" && ps -o wchan= -p $consumer | grep -q pipe'
say '此时的问题是主进程永远不会结束: the consumer is stuck in q.get(), the main process waits for it'
run 'ps -eo pid,ppid,stat,wchan:20,args'
run "kill $consumer"
run "wait $main"

say '主进程在生产者生产完毕后发送结束信号None (main_sends_none.py: 2 包子): it ends by itself'
run 'python3 main_sends_none.py'
say "the seed's other ways to end it: producer_sends_none.py, two_nones.py, joinable_queue.py (python3 <file>)"
exit 0  # it got to the end (a wait that gave up exits 1)
