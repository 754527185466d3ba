"""Readers by file kind: each turns a decoded file into replies that remember their file positions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from tactful.lint.readers.base import ReadError, ReadOptions, Reply
from tactful.lint.readers.jsondoc import read_json, read_jsonl
from tactful.lint.readers.md import read_md
from tactful.lint.readers.table import read_csv, read_tsv
from tactful.lint.readers.tree import FieldPathError
from tactful.lint.readers.txt import read_txt
from tactful.lint.readers.yamldoc import read_yaml

Reader = Callable[[str, ReadOptions], list[Reply]]

# extension -> (kind for comment markers, reader)
READERS: dict[str, tuple[str, Reader]] = {
    ".txt": ("txt", read_txt),
    ".md": ("md", read_md),
    ".markdown": ("md", read_md),
    ".csv": ("csv", read_csv),
    ".tsv": ("csv", read_tsv),
    ".json": ("json", read_json),
    ".jsonl": ("json", read_jsonl),
    ".yaml": ("yaml", read_yaml),
    ".yml": ("yaml", read_yaml),
}


def reader_for(path: str) -> tuple[str, Reader] | None:
    return READERS.get(PurePath(path).suffix.lower())


__all__ = ["READERS", "FieldPathError", "ReadError", "ReadOptions", "Reply", "reader_for"]
