"""Forgiving chip-name lookup: ``H100``, ``h100 sxm`` and ``NVIDIA H100 SXM5 80GB`` find one chip.

Matching works on normalised tokens: lower case, memory sizes glued (``80 GB`` -> ``80gb``),
form-factor generations folded (``sxm5`` also counts as ``sxm``), manufacturer words optional.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

__all__ = ["NameIndex", "normalise_name", "tokens"]

_MANUFACTURER_WORDS = frozenset(
    {"nvidia", "amd", "intel", "google", "habana", "huawei", "amazon", "aws", "microsoft", "meta", "tesla"}
)
_SPLIT = re.compile(r"[^a-z0-9.]+")
_MEMORY = re.compile(r"(\d+(?:\.\d+)?)[\s_-]*(gb|tb|gib)\b")
_FOLD = re.compile(r"^(sxm|pcie|oam)\d*$")


def normalise_name(name: str) -> str:
    """Lower-case, glue memory sizes, collapse separators: ``"NVIDIA H100 SXM5 80 GB"`` -> ``"nvidia h100 sxm5 80gb"``."""
    text = _MEMORY.sub(lambda m: m.group(1) + m.group(2), name.lower().replace("pcle", "pcie"))
    return " ".join(t for t in _SPLIT.split(text) if t)


def tokens(name: str) -> frozenset[str]:
    """Tokens of a name, with generation suffixes of form factors folded in as extra tokens."""
    out: set[str] = set()
    for token in normalise_name(name).split():
        out.add(token)
        folded = _FOLD.match(token)
        if folded:
            out.add(folded.group(1))
    return frozenset(out)


class NameIndex:
    """Index from names and aliases to canonical names.

    Args:
        entries: (canonical name, aliases) pairs.
    """

    def __init__(self, entries: Iterable[tuple[str, Sequence[str]]]) -> None:
        self._exact: dict[str, str] = {}
        self._tokens: list[tuple[str, frozenset[str]]] = []
        self._display: dict[str, str] = {}
        for name, aliases in entries:
            for label in (name, *aliases):
                key = normalise_name(label)
                self._exact.setdefault(key, name)
                self._display.setdefault(key, label)
            # "NVIDIA A100" is also found exactly as "A100".
            stripped = " ".join(t for t in normalise_name(name).split() if t not in _MANUFACTURER_WORDS)
            if stripped:
                self._exact.setdefault(stripped, name)
            all_tokens = frozenset().union(*(tokens(label) for label in (name, *aliases)))
            self._tokens.append((name, all_tokens))

    def match(self, query: str) -> tuple[list[str], bool]:
        """Canonical names matching ``query``.

        Returns:
            (names, exact): the names, and whether the match was an exact name or alias.
            Several names mean the query is ambiguous; none means unknown.
        """
        key = normalise_name(query)
        stripped = " ".join(t for t in key.split() if t not in _MANUFACTURER_WORDS)
        for candidate in (key, stripped):
            if candidate in self._exact:
                return [self._exact[candidate]], True
        wanted = tokens(query) - _MANUFACTURER_WORDS
        if not wanted:
            return [], False
        hits = [name for name, toks in self._tokens if wanted <= toks]
        return hits, False

    def suggest(self, query: str, n: int = 5) -> list[str]:
        """The closest known names and aliases to ``query`` (for "did you mean")."""
        key = normalise_name(query)
        close = difflib.get_close_matches(key, list(self._display), n=n * 2, cutoff=0.4)
        # Names containing a query token are good suggestions too ("h10" -> "h100 ...").
        partial = [k for k in self._display if any(t in k for t in key.split() if len(t) >= 3)]
        seen: dict[str, None] = {}
        for k in [*close, *partial]:
            seen.setdefault(self._exact[k], None)
        return list(seen)[:n]
