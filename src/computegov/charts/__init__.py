"""Altair chart builders shared by the report, the CLI and the web pages.

Import this package only where charts are drawn: it imports Altair.
"""
