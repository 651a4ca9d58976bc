#coding:utf-8
# The seed's 五 互斥锁 part1, first script, ported to Python 3.
#并发运行,效率高,但竞争同一打印终端,带来了打印错乱
from multiprocessing import Process, set_start_method
import os,time
def work():
    print('%s is running' %os.getpid())
    time.sleep(2)
    print('%s is done' %os.getpid())

if __name__ == '__main__':
    # Pinned: from Python 3.14 the default start method is forkserver, whose children
    # are forked by a server process, not by this script.
    set_start_method('fork')
    for i in range(3):
        p=Process(target=work)
        p.start()
