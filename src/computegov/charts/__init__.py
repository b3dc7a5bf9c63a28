"""Altair chart builders shared by the report, the CLI and the web pages.

The builders import Altair; :mod:`computegov.charts.base` alone does not (the CLI reads its
constants), so import the builder modules only where charts are drawn.
"""
