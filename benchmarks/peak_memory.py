"""Peak memory of a command's whole process tree, which ``/usr/bin/time -v`` does not give.

    python benchmarks/peak_memory.py animator book -o /tmp/bk -q

Runs the command, sums the resident sizes (``VmRSS``) of it and all its
descendants from ``/proc`` every 0.1 s, and prints to stderr the wall time, the
CPU seconds of the tree, the largest sum seen (and of how many processes), the
largest resident size of any one process (the children's ``ru_maxrss``, as
``chapter_speed.py`` reports it) and the load average at the end.  Linux only;
a process that lives less than 0.1 s may be missed.
"""
import os, resource, subprocess, sys, threading, time
def tree(pid):
    kids = {}
    for d in os.listdir('/proc'):
        if d.isdigit():
            try:
                with open(f'/proc/{d}/stat') as f: parts = f.read().rsplit(')', 1)[1].split()
                kids.setdefault(int(parts[1]), []).append(int(d))
            except OSError: pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop(); out.append(p); todo.extend(kids.get(p, []))
    return out
def rss(p):
    try:
        with open(f'/proc/{p}/status') as f:
            for line in f:
                if line.startswith('VmRSS:'): return int(line.split()[1])
    except OSError: pass
    return 0
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:])
peak = [0, 0]
def sample():
    while proc.poll() is None:
        ps = tree(proc.pid); total = sum(rss(p) for p in ps)
        if total > peak[0]: peak[0] = total; peak[1] = len(ps)
        time.sleep(0.1)
threading.Thread(target=sample, daemon=True).start()
rc = proc.wait(); wall = time.perf_counter() - start
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"peak_memory: rc {rc}, wall {wall:.1f} s, CPU {ru.ru_utime + ru.ru_stime:.1f} s, "
      f"peak summed RSS of the tree {peak[0]/1024:.0f} MB ({peak[1]} processes), largest single process {ru.ru_maxrss/1024:.0f} MB, "
      f"load {os.getloadavg()}", file=sys.stderr)
sys.exit(rc)
