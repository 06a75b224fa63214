"""Where each value of a YAML file is written: line and column for every key and value.

PyYAML's composer keeps a mark (line, column) on every node; we walk the node tree once and
index it by path (``("codes", 3, "label", "en")``), so a problem found on the parsed data can
be reported at the place the maintainer has to edit. Duplicate keys, which PyYAML silently
resolves to the last value, are collected on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]
# libyaml's loader is about eight times faster and keeps the same marks; PyYAML's is the fallback.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based

    @classmethod
    def of(cls, mark) -> Position:
        return cls(mark.line + 1, mark.column + 1)


@dataclass
class DuplicateKey:
    path: Path  # of the mapping holding the key
    key: str
    first: Position
    again: Position


@dataclass
class PositionIndex:
    """Positions of values (and of the keys naming them) by path."""

    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)
    duplicates: list[DuplicateKey] = field(default_factory=list)

    def value(self, path: Path) -> Position | None:
        """The position of the value at ``path``, or of its nearest enclosing value."""
        for n in range(len(path), -1, -1):
            pos = self.values.get(tuple(path[:n]))
            if pos is not None:
                return pos
        return None

    def key(self, path: Path) -> Position | None:
        """Where the key of ``path`` is written (falls back to the value, then to the parent)."""
        return self.keys.get(tuple(path)) or self.value(path)


def index_node(node: yaml.Node | None) -> PositionIndex:
    index = PositionIndex()
    if node is not None:
        _walk(node, (), index)
    return index


def _walk(node: yaml.Node, path: Path, index: PositionIndex) -> None:
    index.values[path] = Position.of(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[Any, Position] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            here = Position.of(key_node.start_mark)
            if key in first_seen:
                # PyYAML keeps the last value: index that one, report the repetition.
                index.duplicates.append(DuplicateKey(path, str(key), first_seen[key], here))
            else:
                first_seen[key] = here
            child = (*path, key)
            index.keys[child] = here
            _walk(value_node, child, index)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), index)


def compose(text: str) -> tuple[Any, PositionIndex]:
    """Parse YAML text into Python data and its position index (raises yaml.YAMLError)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, index_node(node)
