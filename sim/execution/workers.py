"""What runs inside a worker process before and around each job: dying with the parent.

A worker must never outlive the command that started it: after ``kill -9`` of the main
process, orphaned workers would otherwise finish the batches queued for them and then
wait forever. Three guards, from the strongest:

- on Linux the kernel is asked (``prctl(PR_SET_PDEATHSIG, SIGKILL)``) to kill the worker
  the moment its parent dies — the main process, or the forkserver that exits when the
  main process is gone;
- elsewhere a daemon thread checks every :data:`WATCH_SECONDS` whether the parent changed
  (``os.getppid()``), which catches a worker waiting idle for work;
- everywhere, each job first checks the parent, so no batch starts for a dead command.

Workers ignore Ctrl-C: the main process receives it too and stops the pool itself, so the
journal and the message are its alone. SIGTERM ends a worker at once (the default), never
the command's clean stop it would otherwise inherit through fork.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from typing import Callable, TypeVar

Job = TypeVar("Job")
Out = TypeVar("Out")

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCH_SECONDS = 0.5

_parent: int | None = None  # this worker's parent pid when it started; None outside a worker


def die_with_parent(main: int) -> None:
    """Pool initializer: tie this worker's life to the main process ``main`` (its pid).

    The parent is the main process (fork, spawn) or the forkserver (forkserver). If the
    main process died before this ran, the worker leaves at once.
    """
    global _parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A forked worker inherits the CLI's SIGTERM handler (a clean stop of the command);
    # here SIGTERM must just end the process, as the pool's terminate() expects.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    linked = _ask_kernel_to_kill_orphan()
    _parent = os.getppid()
    if _parent != main and not _alive(main):
        os._exit(1)
    if not linked:
        threading.Thread(target=_watch_parent, name="sim-parent-watch", daemon=True).start()


def call_while_parent_lives(function: Callable[[Job], Out], job: Job) -> Out:
    """``function(job)``, unless the process that started this worker is gone."""
    if _parent is not None and os.getppid() != _parent:
        os._exit(1)
    return function(job)


def _ask_kernel_to_kill_orphan() -> bool:
    """PR_SET_PDEATHSIG on Linux; False where the kernel offers no such thing."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):  # no libc found, or no prctl in it
        return False


def _watch_parent() -> None:
    while os.getppid() == _parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C there; spawn's parent is the main process anyway
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
