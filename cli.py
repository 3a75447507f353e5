"""Command-line entry point: ``python cli.py check PROFILE.json``.

The command itself lives in :mod:`eligibility.commands`; installing the package
also provides it as ``eligibility``.
"""

from eligibility.commands import main

if __name__ == "__main__":
    main()
