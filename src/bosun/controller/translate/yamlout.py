"""YAML text of generated objects, as `bosun render` and the golden files show them.

Multi-line strings (config.json, prompts) are written as `|` blocks so a reviewer reads
them as text; keys keep the builders' order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # YAML cannot keep trailing spaces on a line in block style: fall back for those.
    if "\n" in value and not any(line.endswith((" ", "\t")) for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def dump_yaml(obj: Any) -> str:
    text: str = yaml.dump(obj, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)
    return text


def dump_objects(objects: Iterable[Any]) -> str:
    """Objects as one YAML stream, `---` separated."""
    return "---\n".join(dump_yaml(o) for o in objects)


def render_outputs(outputs: Iterable[tuple[Any, Any]], sources: dict[Any, str]) -> str:
    """`bosun render`'s text: per resource a header comment (kind, name, file, notes), then
    its objects; `sources` maps a resource key to the file it came from."""
    chunks = []
    for resource, output in outputs:
        source = sources.get(resource.key, "")
        header = f"# {resource.kind} {resource.namespace}/{resource.name}"
        header += f" (from {source})\n" if source else "\n"
        for note in getattr(output, "notes", []):
            header += f"# note: {note}\n"
        chunks.append(header + dump_objects(output.objects))
    return "---\n".join(chunks)
