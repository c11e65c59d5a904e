"""The command line: a thin layer over the Python API (`sim COMMAND`).

`shell` holds the Typer app and the options every command shares; `core` registers the
commands that simulate, check and explain scenarios, `publish` the HTML report,
`forecast` the forecasting tools after them, and `backtest` (a casebook scored against
what happened) last (the order of `sim --help`).

Before numpy is first imported, the command line asks OpenBLAS for one thread (unless the
environment says otherwise): sim does no linear algebra worth a thread, and OpenBLAS
starts one per core at import, whose spinning cost about 0.1 s of CPU per `sim explain` or
`sim run` here.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from sim.cli import core, publish, forecast, backtest  # noqa: F401  (importing registers the commands, in this order)
from sim.cli.core import main
from sim.cli.shell import app

__all__ = ["app", "main"]
