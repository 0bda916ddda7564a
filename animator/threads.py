"""One BLAS thread for a process that trains.

The chapter's matrices are tiny (hundreds of rows), so BLAS threads only add
overhead, and they slow to a crawl when the other cores are busy with frame
workers or ffmpeg.  :func:`one_blas_thread` sets that for the process at the
start of its first run (:func:`animator.run.build` calls it, in the main process
and in every worker, forked or spawned), so importing animator changes nothing
and a process that never trains keeps its BLAS as it was.

A thread count the user set in the environment (``OPENBLAS_NUM_THREADS``,
``MKL_NUM_THREADS``, ``OMP_NUM_THREADS``) is kept.
"""

import os

_ASKED = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
_SET_BY_THREADPOOLCTL = "KMP_DUPLICATE_LIB_OK"
_done = []


def one_blas_thread():
    """Limit this process's BLAS to one thread, once; a no-op where the user chose a count or already limited."""
    if _done or any(os.environ.get(name) for name in _ASKED):
        return
    before = os.environ.get(_SET_BY_THREADPOOLCTL)
    from threadpoolctl import threadpool_limits

    if before is None:        # threadpoolctl sets it when imported; a run changes nothing in the environment
        os.environ.pop(_SET_BY_THREADPOOLCTL, None)
    threadpool_limits(1, user_api="blas")
    _done.append(os.getpid())
