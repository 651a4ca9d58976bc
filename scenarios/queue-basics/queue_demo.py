#coding:utf-8
# The seed's 六 队列 应用, ported to Python 3, with two additions marked below.
'''
multiprocessing模块支持进程间通信的两种主要形式:管道和队列
都是基于消息传递实现的,但是队列接口
'''

from multiprocessing import Process,Queue, set_start_method
import time
import queue  # added: where the exceptions put_nowait/get_nowait raise live (queue.Full, queue.Empty)
# Pinned, as in the other scenarios: nothing here starts a process, but under any other
# start method (3.14's default is forkserver) Queue(3) would also start multiprocessing's
# resource tracker, a second process, to look after the queue's semaphores.
set_start_method('fork')
q=Queue(3)


#put ,get ,put_nowait,get_nowait,full,empty
q.put(3)
q.put(3)
q.put(3)
print(q.full()) #满了
# Added, not in the seed's code (its comment above names put_nowait): a fourth item does
# not fit, and put_nowait raises at once instead of waiting for room. str() of the
# exception is empty, so its class is printed.
try:
    q.put_nowait(3)
except queue.Full as e:
    print('put_nowait raised queue.%s' % type(e).__name__)

print(q.get())
print(q.get())
print(q.get())
print(q.empty()) #空了
# Added, not in the seed's code (its comment above names get_nowait): nothing is left, and
# get_nowait raises at once instead of waiting for an item.
try:
    q.get_nowait()
except queue.Empty as e:
    print('get_nowait raised queue.%s' % type(e).__name__)
