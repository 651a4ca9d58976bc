#coding:utf-8
# The seed's test.py with the start method pinned to fork, as scenarios/zombie pins it:
# the child is a fork of this process, which never waits for it. The same two additions
# as test.py (the Python and start method; the child's parent).
from multiprocessing import Process, get_start_method, set_start_method
import time,os,platform

def run():
    print('子',os.getpid(),os.getppid())

if __name__ == '__main__':
    set_start_method('fork')  # the seed's behaviour on every Python (3.14's default is forkserver)
    print('Python',platform.python_version(),'start method',get_start_method())
    p=Process(target=run)
    p.start()

    print('主',os.getpid())
    time.sleep(1000)
