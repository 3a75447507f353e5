"""The ``eligibility`` command (also ``python -m eligibility``).

The command line needs the ``cli`` extra (typer, rich, openpyxl), which the library does not: without
it, the command says which extra to install instead of a traceback.
"""

import gc
import sys
from collections.abc import Callable

CLI_DEPENDENCIES = {"typer", "click", "rich", "openpyxl"}
"""What the ``cli`` extra installs (and what typer itself brings), the command line's own dependencies."""


def load_commands() -> Callable[[], None]:
    """The command line's entry function, its modules and the library's imported.

    Importing them makes ~60,000 objects that live as long as the process (modules, ~100 Pydantic
    models and dataclasses, typer's and rich's tables) and almost no garbage; the cyclic garbage
    collector, run every few hundred new objects, walked them again and again, a fifth of a cold
    ``eligibility check``. It is paused while they are made and they are then frozen (never walked
    again); what the command makes afterwards is collected as usual, so a long ``batch`` or ``serve``
    is unaffected. A missing dependency raises ``ModuleNotFoundError``.
    """
    gc.disable()
    try:
        from ._commands import main  # deliberate lazy import: only here can a missing extra be told
    finally:
        gc.freeze()
        gc.enable()
    return main


def run() -> None:
    """Entry point of the ``eligibility`` console script."""
    try:
        main = load_commands()
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in CLI_DEPENDENCIES:
            raise
        sys.stderr.write(
            f"命令行需要 cli 扩展（缺少 {exc.name}）/ the command line needs the cli extra (missing {exc.name}): "
            'pip install "zhushan-eligibility[cli]"  (in a checkout: pip install ".[cli]")\n'
        )
        sys.exit(1)
    main()


if __name__ == "__main__":
    run()
