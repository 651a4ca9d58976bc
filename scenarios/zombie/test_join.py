#coding:utf-8
# The seed's 解决方法二: the same test.py, but the parent join()s its child.
from multiprocessing import Process, set_start_method
import time,os

def run():
    print('子',os.getpid())

if __name__ == '__main__':
    set_start_method('fork')  # as in test.py
    p=Process(target=run)
    p.start()
    p.join()  # join调用了wait,告诉系统释放僵尸进程

    print('主',os.getpid())
    time.sleep(1000)
