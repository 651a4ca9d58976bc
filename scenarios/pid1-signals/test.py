#coding:utf-8
# The seed's 四:测试 #1, "产生僵尸进程的程序test.py", ported to Python 3: its parent
# sleeps for 1000 s, the workload that docker stop and Ctrl-C (SIGINT) are sent to here.
from multiprocessing import Process, set_start_method
import time,os

def run():
    print('子',os.getpid())

if __name__ == '__main__':
    # Pinned: from Python 3.14 the default start method is forkserver, whose server
    # process would reap the child at once, and no zombie would show.
    set_start_method('fork')
    p=Process(target=run)
    p.start()

    print('主',os.getpid())
    time.sleep(1000)
