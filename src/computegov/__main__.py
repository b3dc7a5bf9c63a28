"""``python -m computegov`` runs the CLI."""

from computegov.cli import main

main()
