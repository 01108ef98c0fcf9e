"""Read YAML safely, keeping every value as written and where it was written.

We compose nodes and never construct Python objects, so no tag can build an object, `8:30` and
`no` stay the text a person typed (the validator decides what they mean), and every value keeps
its line and column. Aliases are followed with a budget, so an alias bomb cannot eat memory.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Finding

Path_ = tuple  # a path into a document: keys and list indexes

_SAFE_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}
_NULL = "tag:yaml.org,2002:null"
MAX_NODES = 20_000  # far above any real content file; an alias bomb expands beyond it at once
MAX_DEPTH = 40
MAX_BYTES = 2_000_000


@dataclass
class Document:
    """One YAML document: plain data (dicts, lists, str, None) plus the position of every value."""

    file: str  # path relative to the content folder, as users see it
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    digest: str = ""  # the file's bytes and the document's place in it: same digest, same document

    @property
    def index(self) -> int:
        """Which document of its file this is (0 for the first)."""
        return int(self.digest.rsplit(":", 1)[1]) if ":" in self.digest else 0

    def mark(self, path: Path_) -> tuple[int, int]:
        """The line and column of the value at path, or of its nearest written ancestor."""
        path = tuple(path)
        while path not in self.marks and path:
            path = path[:-1]
        return self.marks.get(path, (1, 1))

    def key_mark(self, path: Path_) -> tuple[int, int]:
        path = tuple(path)
        return self.key_marks.get(path) or self.mark(path)

    def finding(self, path: Path_, message: str, *, severity="error", code="invalid", at_key=False) -> Finding:
        line, column = self.key_mark(path) if at_key else self.mark(path)
        return Finding(self.file, line, column, field_name(path), message, severity, code)


def field_name(path: Path_) -> str:
    """('steps', 2, 'icon') -> 'steps[3].icon' (1-based, as people count)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class _Budget(Exception):
    """The document is dropped with one finding: at `node` and `path`, or at its start."""

    def __init__(self, message: str, code: str, node=None, path: Path_ = ()):
        super().__init__(message)
        self.code, self.node, self.path = code, node, path


_TOO_MANY = "te veel waarden (meer dan 20.000; misschien door YAML-aliassen die elkaar herhalen); schrijf de waarden gewoon uit"
_TOO_DEEP = (f"te diep genest: meer dan {MAX_DEPTH} lagen in elkaar (haakjes [ ] of {{ }}, inspringen of een alias); "
             "schrijf de waarde eenvoudiger")
_TOO_DEEP_TAG = "tag:narrowcast,2026:too-deep"  # a collection the pure-Python composer did not descend into


def read_documents(path: Path, root: Path, raw: bytes | None = None) -> tuple[list[Document], list[Finding]]:
    """All documents in one YAML file, or the findings that explain why it cannot be read.

    `raw`: the file's bytes as they would be (a draft in the studio), instead of what is on disk."""
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    raw = path.read_bytes() if raw is None else raw
    if len(raw) > MAX_BYTES:
        return [], [Finding(rel, 1, 1, "", f"bestand is te groot (meer dan {MAX_BYTES // 1_000_000} MB)", code="too-large")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return [], [Finding(rel, line, column, "", "dit bestand is geen UTF-8-tekst; sla het op als UTF-8", code="encoding")]
    text = text.removeprefix("\ufeff")
    try:
        nodes = _compose(text)
    except yaml.MarkedYAMLError as exc:
        return [], [_syntax_finding(rel, exc, text)]
    except yaml.reader.ReaderError as exc:  # a control character such as NUL: the reader has no mark, only a position
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        return [], [Finding(rel, line, column, "", f"er staat een teken in dat niet in een tekstbestand hoort "
                                                   f"(#x{exc.character:04X}); haal het weg", code="yaml-syntax")]
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML marks nearly everything
        return [], [Finding(rel, 1, 1, "", f"YAML kan niet gelezen worden: {exc}", code="yaml")]
    documents, findings = [], []
    file_digest = hashlib.sha256(raw).hexdigest()[:20]
    for index, node in enumerate(nodes):
        if node is None:
            continue
        doc = Document(rel, None, digest=f"{file_digest}:{index}")
        try:
            doc.data = _convert(node, (), doc, findings, [0], 0)
        except _Budget as exc:
            at = (exc.node or node).start_mark
            findings.append(Finding(rel, at.line + 1, at.column + 1, _outer_field(exc.path), str(exc), code=exc.code))
            continue
        documents.append(doc)
    return documents, findings


def _outer_field(path: Path_) -> str:
    """The field a person wrote, not forty list levels below it: ('text', 0, 0, …) -> 'text'."""
    head = list(path[:3])
    while head and isinstance(head[-1], int):
        head.pop()
    return field_name(tuple(head))


def _compose(text: str) -> list:
    """The documents' nodes: libyaml's parser when PyYAML has it (5x faster on 200 slides), and for
    a file it refuses the pure-Python parser again, whose error messages the Dutch ones translate."""
    if _FAST_LOADER is not None:
        try:
            return list(yaml.compose_all(text, Loader=_FAST_LOADER))
        except yaml.YAMLError:
            pass
    return list(yaml.compose_all(text, Loader=_DepthLimitedLoader))


class _DepthLimitedLoader(yaml.SafeLoader):
    """The pure-Python loader, not descending below MAX_DEPTH: its composer recurses once per level and
    would hit Python's recursion limit at a few hundred (libyaml composes in C and refuses 1,000).
    A collection that deep becomes a placeholder node, which `_convert` reports at its position."""

    _depth = 0

    def compose_node(self, parent, index):
        if self._depth > MAX_DEPTH and self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            return self._skip_collection()
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _skip_collection(self):
        node, level = None, 0
        while True:
            event = self.get_event()
            node = node or yaml.SequenceNode(_TOO_DEEP_TAG, [], event.start_mark, event.end_mark)
            if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)) and event.anchor:
                self.anchors[event.anchor] = node  # an alias to anything in here is too deep as well
            level += isinstance(event, yaml.CollectionStartEvent) - isinstance(event, yaml.CollectionEndEvent)
            if level == 0:
                return node


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def load_plain(text: str) -> Any:
    """Plain data from a settings file without positions (word lists, icon words, theme.yaml): safe
    loading, with libyaml when PyYAML has it."""
    return yaml.load(text, Loader=_FAST_LOADER or _DepthLimitedLoader)  # too deep: a YAMLError, not a RecursionError


def _convert(node, path, doc: Document, findings: list[Finding], count: list[int], depth: int) -> Any:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise _Budget(_TOO_MANY, "alias-bomb")
    if depth > MAX_DEPTH or node.tag == _TOO_DEEP_TAG:
        raise _Budget(_TOO_DEEP, "too-deep", node, path)
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    doc.marks[path] = (line, column)
    if node.tag not in _SAFE_TAGS:
        findings.append(Finding(doc.file, line, column, field_name(path),
                                f"YAML-tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}' is niet toegestaan; schrijf gewone tekst", code="yaml-tag"))
        return node.value if isinstance(node, yaml.ScalarNode) else None
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL and not node.style:
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), doc, findings, count, depth + 1) for i, item in enumerate(node.value)]
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key_line, key_col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
        if not isinstance(key_node, yaml.ScalarNode):
            findings.append(Finding(doc.file, key_line, key_col, field_name(path), "een veldnaam moet gewone tekst zijn", code="yaml-key"))
            continue
        key = key_node.value
        if key in result:
            findings.append(Finding(doc.file, key_line, key_col, field_name(path + (key,)),
                                    f"veld '{key}' staat twee keer in dit blok; laat er één staan", code="duplicate-key"))
            continue
        doc.key_marks[path + (key,)] = (key_line, key_col)
        result[key] = _convert(value_node, path + (key,), doc, findings, count, depth + 1)
    return result


_PROBLEMS_NL = [
    ("found character '\\t'", "er staat een tab; gebruik spaties om in te springen"),
    ("mapping values are not allowed", "hier staat een dubbele punt die YAML niet verwacht; zet tekst met ': ' tussen aanhalingstekens"),
    ("could not find expected ':'", "hier mist een dubbele punt na de veldnaam"),
    ("found undefined alias", "deze alias (*naam) verwijst naar niets"),
    ("found duplicate anchor", "deze anker-naam (&naam) staat er twee keer"),
    ("expected <block end>, but found", "de inspringing klopt niet; zet velden van één blok precies onder elkaar"),
    ("did not find expected key", "de inspringing klopt niet; zet velden van één blok precies onder elkaar"),
    ("while parsing a flow sequence", "een lijst die met [ begint, wordt niet afgesloten met ]"),
    ("while parsing a flow mapping", "een blok dat met { begint, wordt niet afgesloten met }"),
    ("found unexpected end of stream", "het bestand houdt op midden in een waarde; mist er een aanhalingsteken?"),
    ("while scanning a quoted scalar", "een aanhalingsteken wordt niet afgesloten"),
    ("found unacceptable character", "er staat een teken in dat niet in een tekstbestand hoort"),
]


_BRACED_START = re.compile(r"^\s*(?:-\s+)?([\w-]+):\s+(\{\s*\w+\s*\}[^#]*\S)")


def _syntax_finding(rel: str, exc: yaml.MarkedYAMLError, text: str) -> Finding:
    # An unclosed quote is found at the end of the file; point at where the quote opened.
    opened_quote = exc.context_mark and "quoted scalar" in (exc.context or "")
    # Something left open (a quote, a [ or {) is only noticed at the end of the file: point at its start.
    at_end = exc.context_mark and ("<stream end>" in (exc.problem or "") or "end of stream" in (exc.problem or ""))
    mark = exc.context_mark if opened_quote or at_end else (exc.problem_mark or exc.context_mark)
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = f"{exc.context or ''} {exc.problem or ''}"
    message = next((nl for en, nl in _PROBLEMS_NL if en in problem), None)
    if opened_quote:
        message = "een aanhalingsteken wordt niet afgesloten; zet er aan het eind van de tekst ook een"
    lines = text.splitlines()
    if message is None and 0 < line <= len(lines) and "\t" in lines[line - 1]:
        message = _PROBLEMS_NL[0][1]
    if 0 < line <= len(lines) and (braced := _BRACED_START.match(lines[line - 1])):
        message = (f"een tekst die met {{ begint, moet tussen aanhalingstekens staan; schrijf "
                   f"{braced[1]}: \"{braced[2].rstrip()}\"")  # `text: {datum} gaat het in` (a placeholder first)
    message = message or f"de YAML-opmaak klopt niet ({(exc.problem or 'onbekend').strip()})"
    return Finding(rel, line, column, "", message, code="yaml-syntax")
