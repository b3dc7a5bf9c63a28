"""Integrations: a training framework's run to a signed compute report in a few lines.

* :class:`~computegov.integrations.run.MeteredRun` — the meter and the ledger for a plain loop;
* :mod:`computegov.integrations.huggingface` — ``ComputegovCallback`` for ``transformers.Trainer``;
* :mod:`computegov.integrations.lightning` — ``ComputegovLightningCallback`` for Lightning.

The framework modules import their framework, so import them by their own path.
"""

from computegov.integrations.run import MeteredRun

__all__ = ["MeteredRun"]
