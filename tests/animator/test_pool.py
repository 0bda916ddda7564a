"""The worker pool's contract: results in order, errors as themselves, dead workers are errors, nothing left behind.

Outcomes only: timeouts here guard against hangs, never measure speed.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from animator import pool
from processes import alive

pytestmark = pytest.mark.skipif(not pool.can_fork() or not sys.platform.startswith("linux"),
                                reason="forks workers and reads /proc")


class Refused(Exception):
    """A task's own exception type, which must reach the caller as itself."""


def square(x):
    pool.report(x)
    return x * x


def refuse(x):
    if x == 3:
        raise Refused(f"task {x}")
    return x


def unpicklable_error(x):
    raise ValueError(lambda: x)          # its argument cannot be pickled


def kill_self(x):
    if x == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def run_in_process(code, timeout=60):
    """Run ``code`` in a fresh interpreter, so a hang is a timeout here and not a stuck test run."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_come_in_task_order_and_the_same_for_any_number_of_workers(workers):
    with pool.Pool(workers, square) as squares:
        assert list(squares.map(range(20))) == [x * x for x in range(20)]
        assert sorted(squares.as_finished(range(7))) == [(x, x * x) for x in range(7)]


def test_a_closure_runs_in_forked_workers():
    offset = 100
    with pool.Pool(2, lambda x: x + offset) as adding:
        assert list(adding.map([1, 2, 3])) == [101, 102, 103]


def test_progress_ends_on_each_tasks_last_report():
    seen = []
    with pool.Pool(2, square) as squares:
        list(squares.map(range(6), on_progress=lambda values: seen.append(list(values))))
    assert seen[-1] == list(range(6))


def test_a_tasks_exception_reaches_the_caller_as_itself():
    with pytest.raises(Refused, match="task 3") as caught:
        with pool.Pool(2, refuse) as refusing:
            list(refusing.map(range(8)))
    assert isinstance(caught.value.__cause__, pool.RemoteTraceback)
    assert "in refuse" in str(caught.value.__cause__)


def test_an_exception_that_cannot_travel_arrives_as_its_text():
    with pytest.raises(RuntimeError, match="ValueError: <function"):
        with pool.Pool(1, unpicklable_error) as failing:
            list(failing.map([1]))


def getpid(_):
    return os.getpid()


def test_tasks_per_worker_gives_fresh_workers():
    with pool.Pool(2, getpid, tasks_per_worker=2) as replacing:
        seen = list(replacing.map(range(8)))
    assert len(set(seen)) >= 4 and all(seen.count(pid) <= 2 for pid in seen)
    assert not any(alive(pid) for pid in seen)


def test_cancel_lets_running_tasks_finish_and_starts_no_other():
    with pool.Pool(2, square) as squares:
        finished = []
        for index, result in squares.as_finished(range(50)):
            finished.append(index)
            squares.cancel()
    assert 1 <= len(finished) <= 2


def test_a_worker_killed_by_sigkill_is_an_error_not_a_hang(hang_guard):
    hang_guard(60)
    with pytest.raises(pool.WorkerDied, match="killed by SIGKILL"):
        with pool.Pool(2, kill_self) as dying:
            list(dying.map(range(6)))


def test_an_idle_worker_killed_from_outside_is_an_error():
    with pool.Pool(2, square) as squares:
        victim = squares.pids[0]
        os.kill(victim, signal.SIGKILL)
        with pytest.raises(pool.WorkerDied):
            list(squares.map(range(4)))
        pids = squares.pids
    assert not alive(victim) and not any(alive(pid) for pid in pids)


def test_a_normal_end_closes_and_joins_every_worker():
    with pool.Pool(2, square) as squares:
        list(squares.map(range(4)))
        pids = squares.pids
    assert len(pids) == 2 and not any(alive(pid) for pid in pids)


def test_a_reader_that_stops_early_stops_the_workers():
    with pool.Pool(2, time.sleep) as sleeping:
        pids = sleeping.pids
        for _ in sleeping.as_finished([0, 0, 60, 60]):
            break
    assert not any(alive(pid) for pid in pids)


SLOW_POOL = """
    import sys, time
    from animator import pool
    from animator.lifecycle import exit_status, terminate_as_interrupt

    try:
        with terminate_as_interrupt(), pool.Pool(2, time.sleep, quit={quit!r}) as sleeping:
            print(*sleeping.pids, flush=True)
            list(sleeping.map([600, 600, 600]))
    except KeyboardInterrupt as interrupt:
        sys.exit(exit_status(interrupt))
"""


@pytest.mark.parametrize("quit", ["exit", "now"])
@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_to_the_parent_stops_every_worker(sig, status, quit):
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SLOW_POOL.format(quit=quit))],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in process.stdout.readline().split()]
    assert len(workers) == 2 and all(alive(pid) for pid in workers), process.communicate(timeout=30)
    time.sleep(0.3)                           # the tasks are under way
    process.send_signal(sig)
    _, err = process.communicate(timeout=30)
    assert process.returncode == status, err
    assert "Traceback" not in err, err
    deadline = time.monotonic() + 30            # a hang guard: on a busy machine exits are slow
    while any(alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived its parent"
        time.sleep(0.05)


def test_workers_die_with_a_parent_killed_by_sigkill():
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SLOW_POOL.format(quit="exit"))],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in process.stdout.readline().split()]
    assert len(workers) == 2, process.communicate(timeout=30)
    process.kill()
    process.communicate(timeout=30)
    deadline = time.monotonic() + 30            # a hang guard: on a busy machine exits are slow
    while any(alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived its killed parent"
        time.sleep(0.05)


DEAF_POOL = """
    import signal, time
    from animator import pool

    def deaf(seconds):
        # its termination spent where it cannot end the worker (as in a finaliser, where Python drops it)
        signal.signal(signal.SIGTERM, lambda *caught: None)
        time.sleep(seconds)

    with pool.Pool(2, deaf) as sleeping:
        print(*sleeping.pids, flush=True)
        list(sleeping.map([600, 600]))
"""


def test_a_worker_that_outlives_its_signal_still_ends_after_its_parents_sigkill():
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(DEAF_POOL)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers = [int(pid) for pid in process.stdout.readline().split()]
    assert len(workers) == 2, process.communicate(timeout=30)
    time.sleep(0.5)                           # the tasks have taken over SIGTERM
    process.kill()
    process.communicate(timeout=30)
    deadline = time.monotonic() + 30 + pool.ORPHAN_GRACE   # a hang guard: on a busy machine exits are slow
    while any(alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived its killed parent"
        time.sleep(0.05)


def test_long_lived_workers_keep_their_own_data_path():
    result = run_in_process("""
        from animator import pool

        def main(rank, connection, base):
            for k in range(3):
                connection.send(base + 10 * rank + k)

        with pool.Workers(2, main, args=(100,)) as crew:
            print([crew.receive(rank) for _ in range(3) for rank in range(2)])
            pids = crew.pids
        import os
        print(not any(os.path.exists(f"/proc/{pid}") for pid in pids))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[100, 110, 101, 111, 102, 112]", "True"]


def test_a_long_lived_worker_that_dies_is_an_error_not_a_wait():
    result = run_in_process("""
        import os
        from animator import pool

        def main(rank, connection):
            if rank == 1:
                os._exit(7)
            connection.send("hello")

        with pool.Workers(2, main) as crew:
            assert crew.receive(0) == "hello"
            try:
                crew.receive(1)
            except pool.WorkerDied as error:
                print(error)
    """, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "a worker process died (exit status 7)" in result.stdout


def test_spawned_workers_give_the_same_results():
    with pool.Pool(2, square, method="spawn") as squares:
        assert list(squares.map(range(5))) == [0, 1, 4, 9, 16]
