#coding:utf-8
# The seed's 四:测试 #1, "产生僵尸进程的程序test.py", ported to Python 3 and NOT pinned:
# the child is started the way this Python starts it by default (fork up to 3.13,
# forkserver from 3.14). Two additions to the seed's code, so that what differs shows:
# the first line says which Python and start method run, and the child prints its
# parent's PID after its own (as the seed's orphan demo prints `im child`).
from multiprocessing import Process, get_start_method
import time,os,platform

def run():
    print('子',os.getpid(),os.getppid())

if __name__ == '__main__':
    print('Python',platform.python_version(),'start method',get_start_method())
    p=Process(target=run)
    p.start()

    print('主',os.getpid())
    time.sleep(1000)
