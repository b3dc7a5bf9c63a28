"""Bundled datasets (see SOURCES.md in this folder); read through computegov.catalog and computegov.policy."""
