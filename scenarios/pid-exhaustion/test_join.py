#coding:utf-8
# The same parent as test.py, but it waits for each child (the seed's 解决方法二: join,
# which "调用了wait,告诉系统释放僵尸进程"; os.waitpid is that wait for an os.fork child).
import os
import time

n = 0
for i in range(200):
    try:
        pid = os.fork()
    except BlockingIOError as e:
        print('fork', i + 1, 'failed:', type(e).__name__, e)
        break
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)  # join: 回收僵尸进程
    n += 1

print('主', os.getpid(), 'children:', n)
time.sleep(1000)
