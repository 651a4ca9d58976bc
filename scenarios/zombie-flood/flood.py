#coding:utf-8
# The seed's 三:僵尸进程危害场景 describes this process in words only; here it is.
#   例如有个进程,它定期的产生一个子进程,这个子进程需要做的事情很少,做完它该做的事情之后就退出了,
#   因此这个子进程的生命周期很短,但是,父进程只管生成新的子进程,至于子进程退出之后的事情,则一概不闻不问
#
# os.fork, not multiprocessing.Process: Process.start() first calls multiprocessing's
# _cleanup(), which polls (waitpid WNOHANG) every child it started before and reaps those
# that have finished. A parent that keeps starting Processes therefore reaps the earlier
# ones behind its own back, and no zombies pile up. os.fork does nothing of the kind: the
# parent below never waits, as the seed's culprit never does.
import os
import sys
import time

def run():
    print('子', os.getpid(), flush=True)  # 这个子进程需要做的事情很少 (flush: os._exit below skips it)

print('主', os.getpid())
# Departure from the seed: the seed's parent spawns forever. This one spawns 10 children
# (or as many as its argument says: `python3 flood.py 10000`), spread over about a second
# (0.1 s apart for 10), then lives on without ever waiting (time.sleep(1000), like
# test.py), so that the number of zombies is known when it is killed: a child still
# running at the kill would turn into one more zombie afterwards.
children = int(sys.argv[1]) if len(sys.argv) > 1 else 10
for i in range(children):
    pid = os.fork()
    if pid == 0:
        run()
        os._exit(0)  # 做完它该做的事情之后就退出了
    time.sleep(1.0 / children)  # 定期的产生一个子进程
time.sleep(1000)
