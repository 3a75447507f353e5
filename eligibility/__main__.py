"""``python -m eligibility`` runs the command line."""

from .commands import main

main()
