# The seed's 四 守护进程, ported to Python 3.
from multiprocessing import Process, set_start_method
import time
import random

# Pinned: the seed has no `if __name__ == '__main__':` guard, which only the fork start
# method tolerates; from Python 3.14 the default is forkserver, which would re-run this
# module in the child and fail.
set_start_method('fork')

class Piao(Process):
    def __init__(self,name):
        self.name=name
        super().__init__()
    def run(self):
        print('%s is piaoing' %self.name)
        time.sleep(random.randrange(1,3))
        print('%s is piao end' %self.name)


p=Piao('egon')
p.daemon=True #一定要在p.start()前设置,设置p为守护进程,禁止p创建子进程,并且父进程代码执行结束,p即终止运行
p.start()
print('主')
