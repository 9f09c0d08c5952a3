"""Which process is this, and does another one still run.

A process is named by its pid and the moment it started (from ``/proc``
where there is one), so that a pid the system has handed to a new process
since is not taken for the old one.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def this_process() -> str:
    """A name for this process that no later process will carry."""
    return _name(os.getpid())


def is_running(name: str) -> bool:
    """Whether the process named ``name`` (by ``this_process``) still runs."""
    pid, _, _ = name.partition(":")
    return pid.isdigit() and pid_running(int(pid)) and _name(int(pid)) == name


def pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _name(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return str(pid)
    # The command name (field 2) may hold spaces and brackets; the start time is field 22.
    return f"{pid}:{stat.rsplit(')', 1)[1].split()[19]}"
