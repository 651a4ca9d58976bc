#coding:utf-8
# The seed's 五 互斥锁 part1, 加锁, ported to Python 3.
#由并发变成了串行,牺牲了运行效率,但避免了竞争
from multiprocessing import Process,Lock, set_start_method
import os,time
def work(lock):
    lock.acquire()
    print('%s is running' %os.getpid())
    time.sleep(2)
    print('%s is done' %os.getpid())
    lock.release()
if __name__ == '__main__':
    # Pinned: from Python 3.14 the default start method is forkserver, whose children
    # are forked by a server process, not by this script (the lock still goes as an
    # argument, as in the seed, so it is the same lock under any start method).
    set_start_method('fork')
    lock=Lock()
    for i in range(3):
        p=Process(target=work,args=(lock,))
        p.start()
