# The seed's 思考 (解决方法二: join), ported to Python 3.
from multiprocessing import Process, set_start_method
import time,os

def task():
    print('%s is running' %os.getpid())
    time.sleep(3)

if __name__ == '__main__':
    # Pinned: from Python 3.14 the default start method is forkserver, whose server
    # process, not this one, would be p's parent and reap it: join() would only wait.
    set_start_method('fork')
    p=Process(target=task)
    p.start()
    p.join() # 等待进程p结束后,join函数内部会发送系统调用wait,去告诉操作系统回收掉进程p的id号

    print(p.pid) #???此时能否看到子进程p的id号
    print('主')
    # Not in the seed: the parent stays alive, still holding p, so that `ps` can be
    # looked at after 主; the seed's script ends here. The controller kills it.
    time.sleep(1000)
