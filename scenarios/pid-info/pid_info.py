#coding:utf-8
# The seed's 1.Process对象的方法与属性, ported to Python 3. The seed gives only lines
# (current_process().pid, os.getpid(), os.getppid(), p.terminate(), time.sleep(0.1),
# p.is_alive()); this is a small complete script around them: a child that sleeps, and
# a parent that looks at the PIDs, then kills the child.
"""
一台计算机上面运行着很多进程,那么计算机是如何区分并管理这些进程服务端的呢?
计算机会给每一个运行的进程分配一个PID号
如何查看
    windows电脑
        进入cmd输入tasklist即可查看
        tasklist |findstr PID查看具体的进程
    mac电脑
        进入终端之后输入ps aux
        ps aux|grep PID查看具体的进程
"""
from multiprocessing import Process, current_process, set_start_method
import os
import signal
import time


def task():
    # Not in the seed: the child prints its own numbers, then sleeps until terminated.
    print('子 current_process().pid=%s os.getpid()=%s os.getppid()=%s'
          % (current_process().pid, os.getpid(), os.getppid()))
    time.sleep(1000)


if __name__ == '__main__':
    # Pinned: from Python 3.14 the default start method is forkserver, whose server
    # process, not this one, would be the child's parent (os.getppid() in the child).
    set_start_method('fork')

    # Not in the seed: each print is one string, and the parent prints before it starts
    # the child, so that the two never print at the same time.
    print('主 current_process().pid=%s' % current_process().pid)  # 查看当前进程的进程号
    print('主 os.getpid()=%s' % os.getpid())  # 查看当前进程进程号
    print('主 os.getppid()=%s' % os.getppid())  # 查看当前进程的父进程进程号

    # Not in the seed: the parent waits below until it gets SIGUSR1, standing in for a
    # learner pressing Enter after looking at `ps aux|grep PID` in another terminal.
    # Blocked before the child starts, so that it cannot come too early.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    p = Process(target=task)
    p.start()
    signal.sigwait({signal.SIGUSR1})

    print('主 p.pid=%s' % p.pid)
    p.terminate()  # 杀死当前进程
    # 是告诉操作系统帮你去杀死当前进程 但是需要一定的时间 而代码的运行速度极快
    print(p.is_alive())  # not in the seed: straight after terminate(), usually still True
    time.sleep(0.1)
    print(p.is_alive())  # 判断当前进程是否存活
    print(p.exitcode)  # not in the seed: -15, killed by SIGTERM
