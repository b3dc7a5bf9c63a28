"""YAML for the guarded reader: a user's file safe-loaded with limits, bundled data loaded fast.

A file a user names is read by :func:`computegov.inputfiles.read_input_text` (regular files
only, a size cap, UTF-8) and parsed by :func:`parse_yaml_text`: safe-loaded, nesting deeper than
:data:`MAX_YAML_DEPTH` and more than :data:`MAX_YAML_ALIASES` aliases refused (an alias
"billion laughs" cannot expand), every error a :class:`~computegov.errors.DataError` naming the
file and the line. libyaml's parser is used when PyYAML has it (the limits are checked on its
events, before any node is built), PyYAML's own otherwise, with the same limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from computegov.errors import DataError
from computegov.inputfiles import read_input_text

__all__ = ["MAX_YAML_ALIASES", "MAX_YAML_DEPTH", "load_bundled_yaml", "parse_yaml_text", "read_input_yaml"]

#: Deepest nesting of YAML collections accepted (the composer recurses about 2 frames a level).
MAX_YAML_DEPTH = 100
#: Most YAML aliases (``*name``) in one file. k aliases can expand to roughly 3**(k/3) nodes when
#: walked; 20 keeps that under ~1,500 while allowing the odd shared default.
MAX_YAML_ALIASES = 20


def parse_yaml_text(
    text: str,
    *,
    path: str | Path,
    max_depth: int = MAX_YAML_DEPTH,
    max_aliases: int = MAX_YAML_ALIASES,
) -> Any:
    """Safe-load YAML with limits on nesting and aliases.

    Args:
        text: the YAML text.
        path: the file it came from, for messages.
        max_depth: deepest nesting of collections accepted, levels.
        max_aliases: most aliases (``*name``) accepted.

    Raises:
        DataError: not valid YAML (with its line), too deep, too many aliases, or a value the
            safe loader cannot build (a date such as 2024-13-45).
    """
    import yaml  # only YAML inputs need the parser

    fast = getattr(yaml, "CSafeLoader", None)  # libyaml: ~20-50x the pure-Python parser
    loader: Any = None
    try:
        if fast is not None:
            _check_yaml_limits(yaml.parse(text, Loader=fast), max_depth, max_aliases)
            return yaml.load(text, Loader=fast)
        loader = _limited_loader(max_depth, max_aliases)(text)
        return loader.get_single_data()
    except _YamlLimitError as err:
        raise DataError(str(err), path=path) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        raise DataError(
            f"not valid YAML: {err.problem or err.context}", path=path, row=(mark.line + 1) if mark else None
        ) from None
    except yaml.YAMLError as err:
        raise DataError(f"not valid YAML: {err}", path=path) from None
    except (ValueError, OverflowError, TypeError, RecursionError) as err:  # e.g. date 2024-13-45
        raise DataError(f"not valid YAML: {err}", path=path) from None
    finally:
        if loader is not None:
            loader.dispose()


def load_bundled_yaml(text: str) -> Any:
    """Safe-load the YAML of a file shipped with the package (libyaml's parser when PyYAML has it).

    Same result as ``yaml.safe_load`` (the constructors and resolver are PyYAML's own either way),
    about 8x faster. Files a user names go through :func:`parse_yaml_text` instead (limits, messages).

    Raises:
        yaml.YAMLError: the text is not valid YAML.
    """
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _check_yaml_limits(events: Iterator[Any], max_depth: int, max_aliases: int) -> None:
    """Walk the parser's events (no node is built) and refuse deep nesting or many aliases.

    A node's depth is the number of collections around it plus one, as the composer counts it, so
    the limits mean the same with and without libyaml.
    """
    import yaml

    open_collections = aliases = 0
    for event in events:
        if isinstance(event, yaml.NodeEvent):  # a scalar, an alias or a collection's start
            if open_collections + 1 > max_depth:
                raise _YamlLimitError(f"YAML nested deeper than {max_depth} levels")
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > max_aliases:
                    raise _YamlLimitError(f"more than {max_aliases} YAML aliases (*name)")
            elif isinstance(event, yaml.CollectionStartEvent):
                open_collections += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            open_collections -= 1


def _limited_loader(max_depth: int, max_aliases: int) -> Any:
    """The pure-Python safe loader with the same limits (where PyYAML was built without libyaml)."""
    import yaml

    class _LimitedLoader(yaml.SafeLoader):
        depth = 0
        aliases = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > max_aliases:
                    raise _YamlLimitError(f"more than {max_aliases} YAML aliases (*name)")
            self.depth += 1
            try:
                if self.depth > max_depth:
                    raise _YamlLimitError(f"YAML nested deeper than {max_depth} levels")
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    return _LimitedLoader


class _YamlLimitError(Exception):
    pass


def read_input_yaml(
    path: str | Path, *, what: str = "YAML file", max_bytes: int | None = None
) -> Any:
    """The safe-loaded YAML of the regular file ``path`` (read and parsed with limits).

    Raises:
        DataError: as :func:`read_input_text` and :func:`parse_yaml_text`.
    """
    return parse_yaml_text(read_input_text(path, what=what, max_bytes=max_bytes), path=path)
