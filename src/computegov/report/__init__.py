"""The self-contained HTML report (``computegov report``)."""
