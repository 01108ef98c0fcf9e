"""Set one plain value in a YAML file in place, keeping every other byte: comments, quotes, layout.

We never dump YAML (it would lose comments and the writer's style). A value is set by a text edit
at the node's position: an existing key's value is replaced; a new key goes on a line of its own
after the block mapping's last line, at its keys' indentation, or before the `}` of a flow mapping
(`en: {title: Hello}` → `en: {title: Hello, source: 1a2b3c4d}`). The result is read again and must
hold exactly the old data plus the new values, or nothing is written.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import yaml

from ..errors import NarrowcastError, os_problem
from ..yamlsource import _compose, read_documents

Edit = tuple[int, tuple, str, str]  # (document index, path of a mapping, key, value)


class YamlEditError(NarrowcastError):
    """A value that cannot be written safely in place; the message says what to write by hand."""


def set_values(path: Path, root: Path, edits: list[Edit]) -> bool:
    """Write the values into the file (atomically); False when every value was already so."""
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    new_text = bom + edited_text(text.removeprefix(bom), edits, str(path.relative_to(root)))
    if new_text == text:
        return False
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # a name the watcher and the loader skip
    try:
        temporary.write_bytes(new_text.encode("utf-8"))
        shutil.copymode(path, temporary)
        _verify(path, temporary, root, edits)
        os.replace(temporary, path)
    except OSError as exc:
        raise YamlEditError(f"{path.relative_to(root)} kan niet worden geschreven: {os_problem(exc)}") from None
    finally:
        temporary.unlink(missing_ok=True)
    return True


def edited_text(text: str, edits: list[Edit], name: str = "") -> str:
    """The text with each edit made (no BOM in, none out)."""
    try:
        documents = _compose(text)  # the reader's own parser (libyaml's marks count characters too)
    except yaml.YAMLError:
        raise YamlEditError(f"{name} is geen geldige YAML meer; is het bestand net veranderd?") from None
    changes = []
    for index, path, key, value in edits:
        node = _node_at(documents[index], path, name)
        change = _set_in(text, node, key, value, _where(name, path, key, value))
        if change:
            changes.append(change)
    for start, end, new in sorted(changes, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _where(name: str, path: tuple, key: str, value: str) -> str:
    place = ".".join(str(p + 1 if isinstance(p, int) else p) for p in path)
    return f"zet in {name} onder {place} zelf de regel '{key}: {value}'"


def _node_at(node, path: tuple, name: str):
    for part in path:
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        elif isinstance(node, yaml.MappingNode) and (pair := _pair(node, part)):
            key, node = pair
            if node.start_mark.index < key.end_mark.index:  # an alias (*naam): the block is written elsewhere
                raise YamlEditError(f"{name}: {part} verwijst met een alias (*naam) naar een ander blok; "
                                    "schrijf het blok uit, dan kan narrowcast er iets in zetten")
        else:
            raise YamlEditError(f"{name}: {'.'.join(map(str, path))} is niet gevonden; is het bestand net veranderd?")
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise YamlEditError(f"{name}: {'.'.join(map(str, path))} is geen blok met velden")
    return node


def _pair(mapping: yaml.MappingNode, key: str):
    return next(((k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _scalar(value: str) -> str:
    """The value as a plain scalar, quoted when a YAML reader would take it for a number (12345678;
    1e100000 under YAML 1.2, as editors read it) or anything else but text."""
    resolved = yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False))
    plain = resolved == "tag:yaml.org,2002:str" and not re.fullmatch(r"[0-9]+(?:[eE][0-9]+)?", value)
    return value if plain else f'"{value}"'


def _set_in(text: str, mapping: yaml.MappingNode, key: str, value: str, where: str):
    """(start, end, replacement) that sets key to value in the mapping; None when it already is."""
    rendered = _scalar(value)
    pair = _pair(mapping, key)
    if pair is not None:
        key_node, old = pair
        if isinstance(old, yaml.ScalarNode) and old.value == value:
            return None
        start, end = key_node.end_mark.index, old.end_mark.index
        if not isinstance(old, yaml.ScalarNode) or old.start_mark.index < start or "\n" in text[start:end]:
            raise YamlEditError(f"'{key}' staat op een manier die narrowcast niet veilig kan veranderen; {where}")
        return start, end, f": {rendered}"
    last_key, last_value = mapping.value[-1]
    if mapping.flow_style:
        end = max(last_key.end_mark.index, last_value.end_mark.index)
        return end, end, f", {key}: {rendered}"
    newline = "\r\n" if "\r\n" in text else "\n"
    line = " " * mapping.value[0][0].start_mark.column + f"{key}: {rendered}"
    at = text.find("\n", _content_end(text, mapping)) + 1
    if at == 0:  # the block's last line is the file's last line, without a line break
        return len(text), len(text), newline + line
    return at, at, line + newline


def _content_end(text: str, node) -> int:
    """The index just past the last character written for a node (a block scalar's trailing blank
    lines are not the node's, unless it keeps them: `|+`)."""
    if isinstance(node, yaml.ScalarNode):
        end = node.end_mark.index
        if node.style in ("|", ">"):
            header = text[node.start_mark.index:text.find("\n", node.start_mark.index)]
            if "+" in header.split("#")[0]:
                return end - 1 if end and text[end - 1] == "\n" else end
            while end > node.start_mark.index and text[end - 1] in " \t\r\n":
                end -= 1
        return end
    if node.flow_style or not node.value:
        return node.end_mark.index
    last = node.value[-1]
    if isinstance(node, yaml.MappingNode):
        key, value = last
        own = value.start_mark.index >= key.end_mark.index  # an alias's marks are its anchor's
        return max(key.end_mark.index, _content_end(text, value) if own else 0)
    return max(node.start_mark.index + 1, _content_end(text, last) if last.start_mark.index >= node.start_mark.index else 0)


def _verify(path: Path, written: Path, root: Path, edits: list[Edit]) -> None:
    """The written file must read as the old one plus exactly the new values."""
    before, _ = read_documents(path, root)
    after, problems = read_documents(written, root)
    expected = [doc.data for doc in before]
    for index, mapping_path, key, value in edits:
        target = _data_index(before, index, expected)
        for part in mapping_path:
            target = target[part]
        target[key] = value
    if problems or [doc.data for doc in after] != expected:
        where = "; ".join(_where(str(path.relative_to(root)), p, k, v) for _, p, k, v in edits)
        raise YamlEditError(f"narrowcast kon dit niet veilig in het bestand zetten; {where}")


def _data_index(documents, index: int, expected: list):
    """The data of the document composed as number `index` (read_documents skips empty ones)."""
    for doc, data in zip(documents, expected):
        if doc.digest.rsplit(":", 1)[-1] == str(index):
            return data
    raise YamlEditError("het bestand is veranderd terwijl narrowcast het las; probeer het opnieuw")
