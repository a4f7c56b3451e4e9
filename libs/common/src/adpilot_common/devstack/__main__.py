"""``python -m adpilot_common.devstack run [--help]``: the embedded stack behind ``make run``."""

import os
import stat
import tempfile
from pathlib import Path


def _private_runtime_dir() -> None:
    """pgserver asks platformdirs for XDG_RUNTIME_DIR on import, which warns when it is unset (sudo, docker, CI)
    or not private to this user (e.g. /tmp): point it at a private directory then."""
    current = os.environ.get("XDG_RUNTIME_DIR")
    if current:
        try:
            info = os.stat(current)
        except OSError:
            pass
        else:
            if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077 == 0:
                return
    runtime_dir = Path(tempfile.gettempdir()) / f"adpilot-runtime-{os.getuid()}"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime_dir)


if __name__ == "__main__":
    _private_runtime_dir()
    from adpilot_common.devstack.launcher import main  # after the fix above: it imports pgserver

    main()
