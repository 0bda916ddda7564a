"""The executor that sends a sweep's runs to an existing Dask distributed scheduler: :class:`DaskCluster`.

The cluster is not trusted with this machine: what its workers send back is
decoded with msgpack only, never unpickled (:func:`_refuse_pickle`), and
validated by the caller.  It registers itself for the Dask address schemes
(``tcp://``, ``tls://``, ...) with :func:`animator.executors.scheduler`.
"""

import contextlib
import contextvars
import logging
import queue
import threading

from .errors import ArgumentError, UserError
from .executors import scheduler
from .untrusted import shown

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.0           # seconds to reach a scheduler before giving up
WORKERS_TIMEOUT = 30.0          # seconds to wait for a cluster that has no worker yet

# What the client may decode from the cluster: msgpack (plain numbers, text and bytes) and error text.
# Never "pickle", nor "dask" (its header names a type by pickling it).
SAFE_DESERIALIZERS = ("msgpack", "error")

# The DaskCluster whose client runs in this context: distributed's own unpickling refuses there (see _refuse_pickle).
_CLIENT = contextvars.ContextVar("animator_dask_client", default=None)
_GUARDED = []


def _refuse_pickle():
    """Make ``distributed.protocol.pickle.loads`` refuse inside a DaskCluster's client (once per process).

    ``Client(deserializers=...)`` keeps results from being unpickled, but a
    message part marked ``__Pickled__`` and the client's scheduler stream are
    unpickled whatever the deserializers say.  Every one of those goes through
    this function; in the client's context (a context variable its coroutines
    inherit) it raises instead.  A scheduler or worker running in this same
    process (a ``LocalCluster``) is unaffected: its tasks do not carry the variable.
    """
    if _GUARDED:
        return
    from distributed.protocol import pickle as dask_pickle

    original = dask_pickle.loads

    def loads(*args, **kwargs):
        owner = _CLIENT.get()
        if owner is not None:
            owner.refused.set()          # the client may now never hear of a run: map() stops the sweep
            raise TypeError("animator refuses to unpickle what a Dask cluster sends")
        return original(*args, **kwargs)

    dask_pickle.loads = loads
    _GUARDED.append(original)


def _packed(function, task):
    """On the worker: ``function(task)``, which returns bytes; a failure comes back as text, never a pickle."""
    try:
        return {"ok": function(task)}
    except Exception as error:          # the client shows it in one line
        return {"error": f"{type(error).__name__}: {_first_line(error)}"[:500]}


def _silence(prefix):
    """Silence the logger ``prefix`` and those under it that set their own level; returns their old levels.

    distributed logs every failed attempt to connect, and a refused pickle at
    CRITICAL with a traceback; the sweep says what went wrong once, in one line.
    """
    names = [prefix] + [name for name in logging.root.manager.loggerDict if name.startswith(prefix + ".")]
    levels = {}
    for name in names:
        logger = logging.getLogger(name)
        if name == prefix or logger.level != logging.NOTSET:
            levels[name] = logger.level
            logger.setLevel(logging.CRITICAL + 1)
    return levels


def _client_class():
    from distributed import Client

    class SafeClient(Client):
        """A Client that subscribes to no topic (the default "warn" handler unpickles what a worker logs),
        and that, if starting fails, shuts its loop down at once instead of timing out in ``__del__``."""

        _default_event_handlers = {}

        def start(self, **kwargs):
            try:
                super().start(**kwargs)
            except BaseException:
                self.status = "closed"
                with contextlib.suppress(Exception):
                    self._loop_runner.stop()
                raise

        def __del__(self):
            if getattr(self, "closed_once", False):
                return      # closed (or tried) by DaskCluster: a second close would wait out its timeout again
            with contextlib.suppress(Exception):
                super().__del__()

    return SafeClient


@scheduler("tcp", "tls", "inproc", "ws", "wss", "ucx")
class DaskCluster:
    """Runs sent to an existing Dask distributed scheduler (``pip install -e '.[dask]'``).

    Connecting fails in one line within :data:`CONNECT_TIMEOUT` seconds, also
    when the address accepts connections but never speaks Dask.  ``tls://``
    addresses use Dask's own security settings (``distributed.comm.tls.*`` in
    Dask's config or ``DASK_DISTRIBUTED__COMM__TLS__...`` variables), or
    ``security``, a :class:`distributed.Security`.  The workers must be able to
    import this version of animator; a CSV's points travel with each task.

    The cluster is not trusted with this machine: a worker sends back bytes
    (the function's result; see :func:`animator.sweep.run_packed`) that the
    client decodes with msgpack only and the caller validates; nothing from
    the cluster is unpickled here (see :func:`_refuse_pickle`).  Results are
    fetched from the workers directly, so their addresses must be reachable.
    Anyone who can connect to the scheduler can run code on its workers.
    """

    local_workers = 0             # the runs train on the cluster's machines

    def __init__(self, address, *, timeout=CONNECT_TIMEOUT, security=None):
        self.address = address
        self.timeout = timeout
        self.security = security
        self.client = None
        self.workers = 0          # the cluster's workers when we connected
        self.refused = threading.Event()      # the cluster sent a pickle
        self._token = None

    def __repr__(self):
        return f"DaskCluster({self.address!r})"

    def _security(self):
        from distributed import Security

        return self.security if self.security is not None else Security()    # Security() reads Dask's config

    def _probe(self, security):
        """Connect and shake hands in a loop of our own, within the timeout: a silent peer cannot hang us."""
        import asyncio     # here, not at the top: the command line's --help imports this module's registration

        from distributed.comm import connect

        async def probe():
            comm = await asyncio.wait_for(connect(self.address, timeout=self.timeout,
                                                  **security.get_connection_args("client")), self.timeout)
            await comm.close()

        failed = []

        def run():
            try:
                asyncio.run(probe())
            except BaseException as error:
                failed.append(error)

        # a thread of its own, so a caller inside a running event loop (Jupyter) can probe too
        thread = threading.Thread(target=run, name="animator-dask-probe", daemon=True)
        thread.start()
        thread.join(self.timeout + 2)
        if thread.is_alive():
            raise TimeoutError()
        if failed:
            raise failed[0]

    def __enter__(self):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ArgumentError("scheduler", "needs the dask extra: pip install -e '.[dask]' "
                                             "(dask and distributed)") from None
        # distributed logs every failed attempt to connect; the one-line error below says it once
        self._levels = _silence("distributed")
        try:
            security = self._security()
            self._probe(security)
            _refuse_pickle()
            self._token = _CLIENT.set(self)
            self.client = _client_class()(self.address, timeout=self.timeout, set_as_default=False,
                                          security=security, deserializers=list(SAFE_DESERIALIZERS),
                                          direct_to_workers=True)
        except Exception as error:   # refused, timed out, or something that does not speak Dask
            import asyncio    # asyncio.TimeoutError is not the builtin before Python 3.11

            self.__exit__(None, None, None)
            reason = "no answer" if isinstance(error, (asyncio.TimeoutError, TimeoutError)) and not str(error) \
                else _first_line(error)
            raise UserError(f"cannot reach a Dask scheduler at {self.address} within {self.timeout:g} s "
                            f"({reason})") from None
        try:
            self.client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
        except Exception:
            self.__exit__(None, None, None)
            raise UserError(f"the Dask scheduler at {self.address} has had no worker for "
                            f"{WORKERS_TIMEOUT:g} s; start one with: dask worker {self.address}") from None
        self.workers = len(self.client.scheduler_info().get("workers", {}))
        return self

    def __exit__(self, *exc):
        if self.client is not None:
            client, self.client = self.client, None
            client.closed_once = True
            try:
                client.close(timeout=self.timeout)
            except Exception as error:     # a lost connection is not the sweep's failure
                log.info("closing the Dask client: %s", error)
            finally:
                with contextlib.suppress(Exception):
                    client._loop_runner.stop()
        if self._token is not None:
            _CLIENT.reset(self._token)
            self._token = None
        for name, level in getattr(self, "_levels", {}).items():
            logging.getLogger(name).setLevel(level)
        self._levels = {}
        return False

    def map(self, function, tasks, *, on_progress=None):
        tasks = list(tasks)
        arrived = queue.Queue()
        futures = {self.client.submit(_packed, function, task, pure=False): task for task in tasks}
        for future in futures:
            future.add_done_callback(arrived.put)
        done = 0
        try:
            while done < len(futures):
                try:
                    future = arrived.get(timeout=0.5)
                except queue.Empty:
                    future = None
                if self.refused.is_set():     # the client may never hear of that run: stop rather than wait
                    raise UserError(f"the Dask cluster at {self.address} sent a pickle, which animator never "
                                    f"unpickles (a worker that is not animator's?); the sweep stops")
                if future is None:
                    if self.client.status not in ("running", "connecting"):
                        raise UserError(f"lost the Dask scheduler at {self.address}")
                    continue
                answer = self._answer(future)
                done += 1
                if on_progress is not None:
                    on_progress(done, len(futures))
                yield futures[future], answer
        finally:
            pending = [f for f in futures if not f.done()]
            if pending:
                try:
                    self.client.cancel(pending)
                except Exception as error:
                    log.info("cancelling runs on the cluster: %s", error)

    def _answer(self, future):
        """The bytes a worker sent back for ``future``, or a one-line error."""
        try:
            answer = future.result(timeout=self.timeout * 10)
        except Exception as error:     # a worker died, or sent what the client will not decode
            raise UserError(f"a Dask worker's run failed or sent back something other than a result "
                            f"({shown(_first_line(error))})") from None
        if isinstance(answer, dict) and isinstance(answer.get("error"), str):
            raise UserError(f"a run failed on a Dask worker: {shown(answer['error'])}")
        if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bytes):
            raise UserError("a Dask worker sent back something other than a run's result")
        return answer["ok"]


def _first_line(error):
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
