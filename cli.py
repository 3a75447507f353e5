"""Command-line entry point from a checkout: ``python cli.py check PROFILE.json``.

The command itself lives in :mod:`eligibility._commands`; installing the package with its
``cli`` extra also provides it as ``eligibility``. Run this way, the package is not installed
but its dependencies must be (``pip install ".[cli]"`` installs both); without them this says
which one is missing and how to install them, instead of a traceback.
"""

import sys

try:
    from eligibility.__main__ import load_commands

    main = load_commands()  # the command line and the library, with their dependencies
except ModuleNotFoundError as exc:  # a dependency, not this package: the checkout is on sys.path
    sys.stderr.write(
        f"缺少依赖 {exc.name} (missing dependency {exc.name}): "
        'run `pip install ".[cli]"` in this checkout (Python 3.11 or 3.12, with a C compiler for durable-rules)\n'
    )
    sys.exit(1)

if __name__ == "__main__":
    main()
