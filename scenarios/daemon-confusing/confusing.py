# The seed's 迷惑人的例子, ported to Python 3.
#主进程代码运行完毕,守护进程就会结束
from multiprocessing import Process, set_start_method
from threading import Thread
import time

# Pinned: the seed has no `if __name__ == '__main__':` guard, which only the fork start
# method tolerates; from Python 3.14 the default is forkserver, which would re-run this
# module in the children and fail.
set_start_method('fork')

def foo():
    print(123)
    time.sleep(1)
    print("end123")

def bar():
    print(456)
    time.sleep(3)
    print("end456")


p1=Process(target=foo)
p2=Process(target=bar)

p1.daemon=True
p1.start()
p2.start()
print("main-------") #打印该行则主进程代码结束,则守护进程p1应该被终止,可能会有p1任务执行的打印信息123,因为主进程打印main----时,p1也执行了,但是随即被终止
