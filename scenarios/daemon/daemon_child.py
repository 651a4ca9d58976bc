# The seed's 四 守护进程, 其二: 守护进程内无法再开启子进程,否则抛出异常. The seed states it
# without code; this script tries it.
from multiprocessing import Process, set_start_method

def task():
    print('子进程 is running')

def daemon_task():
    print('守护进程 is running')
    p=Process(target=task)
    p.start()  # AssertionError: daemonic processes are not allowed to have children
    print('守护进程开启了子进程')

if __name__ == '__main__':
    # Pinned: from Python 3.14 the default start method is forkserver (as in piao.py).
    set_start_method('fork')
    p=Process(target=daemon_task)
    p.daemon=True
    p.start()
    # join() so that the daemon gets as far as p.start() before the main code ends
    # (which would terminate it), and the error shows every time.
    p.join()
    print('主')
