"""Run coursec as from a terminal, where Ctrl-C (SIGINT) reaches it.

A process inherits whether SIGINT is ignored or blocked from the one that starts it, and Python
installs its KeyboardInterrupt handler only where SIGINT is not ignored. A test worker's state
is not a terminal's (what ran in it before, or the runner itself, may have ignored or blocked
the signal), so a test of Ctrl-C starts coursec with SIGINT as a terminal gives it.
"""

from __future__ import annotations

import sys

_AS_FROM_A_TERMINAL = (
    "import runpy, signal; "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
    "signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('coursec', run_name='__main__', alter_sys=True)"
)


def coursec_command(*args: str) -> list[str]:
    """The command line of `coursec ARGS...` with SIGINT handled as from a terminal."""
    return [sys.executable, "-c", _AS_FROM_A_TERMINAL, *args]
