import os, multiprocessing as mp
x = (1 +
     2) ** 3 - -4 % 3 // 2
s = r'\d+' + b'x'.decode() if False else 'y' * 3
t = ("a", "b")[1:] + tuple([1.5e3, .5, 1_000.25])
u = f"{x!r:>10}|{s:^7}|{3.14159:.2f}|{'nested'}"; v = not (x > 3 and x < 100 or None)
raw_env = [k + "=" + str(len(k)) for_nothing] if 0 else []
headers = {**{}}
w = """multi
line""" '\
continued'
