"""The transparency log as a library: no web framework and no database inside.

* :mod:`~computegov.tlog.merkle`: RFC 6962/9162 tree hashing, proofs, compact ranges;
* :mod:`~computegov.tlog.entries`: how an entry is encoded and hashed;
* :mod:`~computegov.tlog.note`, :mod:`~computegov.tlog.checkpoint`,
  :mod:`~computegov.tlog.cosignature`: C2SP signed notes, checkpoints and witness cosignatures;
* :mod:`~computegov.tlog.witness` (+ ``witness_client``, ``witness_server``): C2SP tlog-witness;
* :mod:`~computegov.tlog.receipt`: offline receipts (entry, inclusion proof, checkpoint);
* :mod:`~computegov.tlog.monitor`: a monitor that needs only the log's public key and keeps
  every leaf hash it has seen, so an edited, deleted or swapped old entry is evidence.

What goes *into* the log (the registry's entries and what they mean) is the registry's business
(:mod:`computegov.registry.logentries`, :mod:`computegov.registry.monitor`), as a Tessera
"personality" is apart from the log.
"""
