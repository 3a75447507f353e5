"""``python -m eligibility`` runs the command line."""

from ._commands import main

main()
