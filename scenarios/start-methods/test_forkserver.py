#coding:utf-8
# The seed's test.py with the start method pinned to forkserver, 3.14's default, on every
# Python: this process starts a server process once, and the server forks each child and
# waits for it. The same two additions as test.py (the Python and start method; the
# child's parent).
from multiprocessing import Process, get_start_method, set_start_method
import time,os,platform

def run():
    print('子',os.getpid(),os.getppid())

if __name__ == '__main__':
    set_start_method('forkserver')  # 3.14's default, pinned so that 3.11 and 3.13 show it too
    print('Python',platform.python_version(),'start method',get_start_method())
    p=Process(target=run)
    p.start()

    print('主',os.getpid())
    time.sleep(1000)
