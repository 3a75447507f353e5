"""The ``eligibility`` command (also ``python -m eligibility``).

The command line needs the ``cli`` extra (typer, rich, openpyxl), which the library does not: without
it, the command says which extra to install instead of a traceback.
"""

import sys

CLI_DEPENDENCIES = {"typer", "click", "rich", "openpyxl"}
"""What the ``cli`` extra installs (and what typer itself brings), the command line's own dependencies."""


def run() -> None:
    """Entry point of the ``eligibility`` console script."""
    try:
        from ._commands import main  # deliberate lazy import: only here can a missing extra be told
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
