#coding:utf-8
# The seed's 二:孤儿进程 test ("我们来测试一下"), ported from Python 2 to Python 3: its print
# statements became print() calls printing the same words. os.fork is used directly, as in
# the seed, so there is no multiprocessing start method to pin.
# (Python 3 block-buffers stdout on a pipe: were it not line-buffered, as on a terminal and
# as the sandbox makes it, 'im father ...' would still sit in the buffer at the fork and be
# printed twice.)
import os
import signal
import sys
import time

pid = os.getpid()
ppid = os.getppid()
print('im father', 'pid', pid, 'ppid', ppid)
pid = os.fork()
#执行pid=os.fork()则会生成一个子进程
#返回值pid有两种值:
#    如果返回的pid值为0,表示在子进程当中
#    如果返回的pid值>0,表示在父进程当中
if pid > 0:
    print('father died..')
    sys.exit(0)

# 保证主线程退出完毕
time.sleep(1)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})  # (departure: see below)
print('im child', os.getpid(), os.getppid())
# Departure from the seed, whose child ends here: this one ends when the sandbox sends it
# SIGUSR1 (blocked above, before the print the sandbox waits for, so none is missed), once
# the sandbox has looked at it with ps and read the process table. The look then never
# races the orphan's end, which on a loaded machine came before the look was done.
# Meanwhile it lets go of its output, as the seed's does by ending: Docker holds back the
# next `docker exec` into the container while an orphan still holds the output of one
# that has ended (3 s measured).
sys.stdout.flush()
null = os.open(os.devnull, os.O_WRONLY)
os.dup2(null, 1)
os.dup2(null, 2)
signal.sigwait({signal.SIGUSR1})
