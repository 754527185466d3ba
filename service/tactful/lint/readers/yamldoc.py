"""YAML (all documents of a stream), with positions from the composed node marks."""

from __future__ import annotations

import yaml

from tactful.lint.readers.base import ReadError, ReadOptions, Reply
from tactful.lint.readers.tree import Node, select
from tactful.lint.readers.yamlscalar import scalar_reply

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: the same marks, faster
_STR = "tag:yaml.org,2002:str"


def _convert(text: str, node: yaml.Node, memo: dict[int, Node]) -> Node:
    if id(node) in memo:  # an alias: the same node, reported once
        return memo[id(node)]
    start = node.start_mark.index
    if isinstance(node, yaml.MappingNode):
        out = memo[id(node)] = Node("map", start)
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else ""
            out.items.append((str(name), _convert(text, value, memo)))
    elif isinstance(node, yaml.SequenceNode):
        out = memo[id(node)] = Node("seq", start)
        out.elements.extend(_convert(text, item, memo) for item in node.value)
    elif isinstance(node, yaml.ScalarNode) and node.tag == _STR:
        reply = scalar_reply(text, start, node.end_mark.index, node.style, node.value)
        out = memo[id(node)] = Node("str", start, reply=reply)
    else:
        out = memo[id(node)] = Node("other", start)
    return out


def read_yaml(text: str, options: ReadOptions) -> list[Reply]:
    try:
        roots = [n for n in yaml.compose_all(text, Loader=_Loader) if n is not None]
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = "; ".join(x for x in (err.context, err.problem) if x)
        raise ReadError(f"malformed YAML: {problem}", mark.index if mark else None) from None
    except yaml.YAMLError as err:
        raise ReadError(f"malformed YAML: {err}") from None
    memo: dict[int, Node] = {}
    return select([_convert(text, root, memo) for root in roots], options.fields)
