#coding:utf-8
# The harm the seed's 一:僵尸进程(有害) names, which it shows no code for:
#   如果进程不调用wait / waitpid的话,那么保留的那段信息就不会释放,其进程号就会一直被占用,但是系统所能使用的
#   进程号是有限的,如果大量的产生僵死进程,将因为没有可用的进程号而导致系统不能产生新的进程.
# The container's pids limit (docker run --pids-limit) stands for the system's limited
# supply of process numbers. This parent forks children that exit at once and never
# waits for them: each keeps its process number as a zombie, until fork() fails.
#
# os.fork, not multiprocessing.Process: Process.start() first reaps the finished children
# it started before (multiprocessing's _cleanup()), so they would never pile up.
import os
import time

n = 0
# A bound, departing from an endless loop: 200 is far beyond the container's limit, so
# only an unreaped pile of zombies can stop this loop before its end.
for i in range(200):
    try:
        pid = os.fork()
    except BlockingIOError as e:  # 没有可用的进程号而导致系统不能产生新的进程
        print('fork', i + 1, 'failed:', type(e).__name__, e)
        break
    if pid == 0:
        os._exit(0)  # the child does nothing, and exits at once
    n += 1

print('主', os.getpid(), 'children:', n)
# It stops at the first failure and lives on without waiting (like test.py of 四:测试),
# holding its zombies: the container's process numbers stay used up.
time.sleep(1000)
