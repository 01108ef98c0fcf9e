"""Save a slide the studio edited the way a person writes it, never over someone else's edit.

A YAML round trip (ruamel.yaml) keeps the author's comments, blank lines, key order, quotes and
indentation; new keys go where docs/content.md lists them, new values are plain unless a reader
would take them for something else. A save names the version (SHA-256 of the bytes) the editor
loaded, and a file that changed since is refused (`EditConflict`). The result is read back with
narrowcast's own reader and must hold exactly the old data plus the changes, or nothing is written.

`translations --mark` keeps its own line-level writer (content/yamledit.py): it promises every other
byte, and a round trip moves a new key past the blank line after a folded text (`text: >`) and
collapses the spaces before a comment after a flow mapping.
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import re
import secrets
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, merge_attrib
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import (DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString,
                                      SingleQuotedScalarString)
from ruamel.yaml.tokens import CommentToken

from ..errors import NarrowcastError, os_problem
from ..yamlsource import read_documents
from .fields import SLUG_RE

Value = Union[str, int, Sequence["Value"], Mapping[str, "Value"]]

# The usual order of a slide's fields (docs/content.md); a new key goes after the last one above it.
SLIDE_ORDER = ("id", "layout", "title", "text", "icon", "steps", "highlight", "qr", "image", "image_alt",
               "duration", "every", "tags", "valid_from", "valid_until", "days", "hours", "priority",
               "interrupt", "translations")
TRANSLATION_ORDER = ("title", "text", "steps", "highlight", "image_alt", "source")
STEP_ORDER = ("text", "icon")
_KEPT_STYLES = (DoubleQuotedScalarString, SingleQuotedScalarString, LiteralScalarString, FoldedScalarString)
_NO_WRAP = 1_000_000_000  # never fold a long line


class EditConflict(NarrowcastError):
    """The file changed on disk since the editor loaded it; nothing was written."""


class SaveRefused(NarrowcastError):
    """The slide cannot be saved this way; the Dutch message says why; nothing was written."""


def file_version(path: Path) -> str:
    """The version an editor saves against: the SHA-256 (hex) of the file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_fields(root: Path, path: Path, changes: Mapping[str, Value | None], base: str, document: int = 0) -> str:
    """Apply field changes (dotted key paths such as `translations.en.title`; None removes the key)
    to the slide in document `document` of `path` (relative to the content folder) and write it;
    returns the new version. The file's other slides keep every byte."""
    root = Path(root).resolve()
    target, name = _target(root, path)
    raw = _current(target, name, base)
    before = _slides_as_read(target, root, raw, name, document)
    text, form = _unwrap(raw)
    new_raw = _wrap(edited_text(text, changes, document, name), form)
    if new_raw == raw:
        return base
    expected = [*before[:document], _expected(before[document], changes), *before[document + 1:]]
    _write(target, new_raw, name, lambda written: _reads_as(written, root, expected, name), replaces=raw)
    return hashlib.sha256(new_raw).hexdigest()


def edited_text(text: str, changes: Mapping[str, Value | None], document: int = 0, name: str = "") -> str:
    """The file's text (no BOM, LF line ends) with the changes made to the slide in document
    `document`; the other documents, and the `---` lines between them, keep every byte."""
    chunks = _documents(text)
    if not 0 <= document < len(chunks):
        raise SaveRefused(f"{name}: dia {document + 1} staat niet (meer) in dit bestand; open de dia opnieuw")
    body = chunks[document][1]
    doc = _one_mapping(body, name)
    indent, edit = _indentation(doc), _Edit(name, _preferred_quote(doc), body.split("\n"))
    for dotted, value in changes.items():
        _apply(doc, _parts(dotted), value, edit)
    dumped = _dump(doc, {"explicit_start": False}, indent)
    if not body.endswith("\n"):
        dumped = dumped.removesuffix("\n")
    return _spliced(text, chunks, document, dumped)


_SEPARATOR = re.compile(r"^---(?:[ \t].*)?$|^\.\.\.\s*$", re.M)


def _documents(text: str) -> list[tuple[str, str]]:
    """The file cut into its documents as (what comes before the slide: comment lines before the first
    and every `---` line, text of the slide); only pieces that hold content count as a document."""
    pieces, start = [], 0
    for match in _SEPARATOR.finditer(text):
        end = match.end() + (1 if text[match.end():match.end() + 1] == "\n" else 0)
        pieces.append((text[start:match.start()], text[match.start():end]))
        start = end
    pieces.append((text[start:], ""))
    chunks: list[tuple[str, str]] = []
    carried = ""
    for body, separator in pieces:
        if _has_content(body):
            chunks.append((carried, body))
            carried = separator
        else:
            carried += body + separator
    return chunks


def _trailer(text: str, chunks: list[tuple[str, str]]) -> str:
    """What follows the last document (comment lines, a final `---` or `...`)."""
    used = sum(len(h) + len(b) for h, b in chunks)
    return text[used:]


def _has_content(body: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in body.split("\n"))


def set_playlist_member(root: Path, path: Path, playlist_id: str, slide_id: str, member: bool) -> bool:
    """Put `- slide: <id>` at the end of a playlist's items, or take out the items that name the
    slide; True when the file changed. Comments and the other items keep their place."""
    root = Path(root).resolve()
    target, name = _target(root, path)
    raw = _current(target, name, hashlib.sha256(target.read_bytes()).hexdigest() if target.is_file() else "")
    documents, index, text, form, chunks, doc = _playlist_document(target, root, raw, name, playlist_id)
    items = doc.get("items")
    if items is None:
        items = doc["items"] = CommentedSeq()
    if not isinstance(items, CommentedSeq):
        raise SaveRefused(f"{name}: items is geen lijst; pas het bestand zelf aan")
    named = [i for i, item in enumerate(items) if isinstance(item, Mapping) and item.get("slide") == slide_id]
    if member == bool(named):
        return False
    if member:
        _append(items, CommentedMap([("slide", slide_id)]))
    else:
        for i in reversed(named):
            _remove(items, i)
    dumped = _dump(doc, {"explicit_start": False}, _indentation(doc))
    new_text = _spliced(text, chunks, index, dumped)
    expected = [d.data for d in documents]
    listed = list(expected[index].get("items") or [])
    expected[index] = {**expected[index], "items": listed + [{"slide": slide_id}] if member
                       else [item for item in listed if not (isinstance(item, dict) and item.get("slide") == slide_id)]}
    _write(target, _wrap(new_text, form), name, lambda written: _reads_as(written, root, expected, name), replaces=raw)
    return True


def set_playlist_items(root: Path, path: Path, playlist_id: str, order: Sequence[int], base: str) -> str:
    """Put a playlist's items in `order` (their indexes as loaded; an index left out is removed) unless
    the file changed since `base`; returns the new version. Each item keeps its own comments (on its
    lines and the comment lines just above it); those above a removed item stay, above the item that
    followed it. The other documents of the file keep every byte."""
    root = Path(root).resolve()
    target, name = _target(root, path)
    raw = _current(target, name, base)
    documents, index, text, form, chunks, doc = _playlist_document(target, root, raw, name, playlist_id)
    items, listed = doc.get("items"), documents[index].data.get("items")
    if not isinstance(items, CommentedSeq) or not isinstance(listed, list) or len(listed) != len(items):
        raise SaveRefused(f"{name}: items is geen lijst; pas het bestand zelf aan")
    order = list(order)
    if len(set(order)) != len(order) or not all(type(i) is int and 0 <= i < len(items) for i in order):
        raise SaveRefused(f"{name}: die volgorde past niet bij de lijst in het bestand; open de afspeellijst opnieuw")
    if order == list(range(len(items))):
        return base
    _refuse_shared(items, ("items",), _Edit(name, DoubleQuotedScalarString, []))
    _reorder(doc, items, order)
    dumped = _dump(doc, {"explicit_start": False}, _indentation(doc))
    new_text = _spliced(text, chunks, index, dumped)
    expected = [d.data for d in documents]
    expected[index] = {**expected[index], "items": [listed[i] for i in order]}
    new_raw = _wrap(new_text, form)
    _write(target, new_raw, name, lambda written: _reads_as(written, root, expected, name), replaces=raw)
    return hashlib.sha256(new_raw).hexdigest()


def add_playlist_slide(root: Path, path: Path, playlist_id: str, slide_id: str, base: str) -> str:
    """`- slide: <id>` at the end of a playlist's items unless the file changed since `base` or the
    slide is named there already; returns the new version."""
    root = Path(root).resolve()
    target, name = _target(root, path)
    _current(target, name, base)  # set_playlist_member checks again that nothing changed while it wrote
    if not set_playlist_member(root, path, playlist_id, slide_id, True):
        raise SaveRefused(f"dia {slide_id} staat al in afspeellijst {playlist_id}")
    return file_version(target)


def _reorder(doc: CommentedMap, seq: CommentedSeq, order: list[int]) -> None:
    """seq's items in `order` (indexes), each with the comment lines above it and its own comments."""
    count = len(seq)
    tails = [_take_tail(seq, i) for i in range(count)]  # the comment lines after item i: above item i + 1
    entry = doc.ca.items.get("items")
    first = entry[3] if entry and len(entry) > 3 and entry[3] else []  # ruamel keeps those above item 0 on the key
    leads = ["".join(" " * (token.start_mark.column if token.value.strip() else 0) + token.value for token in first),
             *tails[:-1]]
    trailing, carried = tails[-1], ""
    for i in range(count):  # the comment lines above a removed item stay, above the next item that is kept
        if i in order:
            leads[i], carried = carried + leads[i], ""
        else:
            carried += leads[i]
    trailing = carried + trailing
    if not order:  # an empty list is written `items: []`; its comment lines go before it
        _empty_items(doc, trailing)
        return
    kept = [(seq[i], seq.ca.items.get(i)) for i in order]  # a flow item's end-of-line comment is the list's
    while len(seq):
        seq.pop()
    seq.ca.items.clear()
    for at, (item, comment) in enumerate(kept):
        seq.append(item)
        if comment:
            seq.ca.items[at] = comment
    if entry:
        entry[3] = None
    lead = leads[order[0]]
    if lead:
        tokens = [CommentToken(line.lstrip(" ") if line.strip() else "\n", CommentMark(len(line) - len(line.lstrip(" "))
                                                                                if line.strip() else 0))
                  for line in lead.splitlines(keepends=True)]
        doc.ca.items.setdefault("items", [None, None, None, None])[3] = tokens
    for at, i in enumerate(order[1:], start=1):
        _give_tail(seq, at - 1, leads[i])
    _give_tail(seq, len(seq) - 1, trailing)


def _empty_items(doc: CommentedMap, comments: str) -> None:
    empty = CommentedSeq()
    empty.fa.set_flow_style()
    doc["items"] = empty
    doc.ca.items.pop("items", None)
    keys = list(doc)
    before = keys.index("items") - 1
    if comments and len(keys) > 1:
        _give_tail(doc, keys[before] if before >= 0 else keys[-1], comments)


def _playlist_document(target: Path, root: Path, raw: bytes, name: str, playlist_id: str):
    """(documents as read, the playlist's index among them, the text and its form, the documents cut
    apart, the playlist's document round-trip loaded) of a file that holds the playlist."""
    documents, problems = read_documents(target, root, raw)
    index = next((i for i, d in enumerate(documents) if isinstance(d.data, dict) and d.data.get("id") == playlist_id), None)
    if problems or index is None:
        raise SaveRefused(f"{name}: afspeellijst {playlist_id} staat er niet (goed) in; pas het bestand zelf aan")
    text, form = _unwrap(raw)
    chunks = _documents(text)
    return documents, index, text, form, chunks, _one_mapping(chunks[index][1], name)


def _spliced(text: str, chunks: list[tuple[str, str]], index: int, dumped: str) -> str:
    """The file's text with document `index` replaced by `dumped`; every other byte as it was."""
    return "".join(head + (dumped if i == index else body) for i, (head, body) in enumerate(chunks)) \
        + _trailer(text, chunks)


def _one_mapping(body: str, name: str) -> CommentedMap:
    try:
        loaded = list(_yaml().load_all(body))
    except YAMLError:
        raise SaveRefused(f"{name} kan de studio niet lezen; pas het aan in de YAML-weergave") from None
    if len(loaded) != 1 or not isinstance(loaded[0], CommentedMap):
        raise SaveRefused(f"{name}: hier staan geen velden (zoals id: en title:); pas het aan in de YAML-weergave")
    return loaded[0]


def save_text(root: Path, path: Path, text: str, base: str) -> str:
    """Write exactly `text` (the raw-YAML tab; the caller validated it) unless the file changed since `base`."""
    root = Path(root).resolve()
    target, name = _target(root, path)
    raw = _current(target, name, base)
    new_raw = text.encode("utf-8")
    if new_raw != raw:
        _write(target, new_raw, name, lambda written: None, replaces=raw)
    return hashlib.sha256(new_raw).hexdigest()


def new_slide(root: Path, data: Mapping[str, Value | None]) -> Path:
    """Write a new slide as `slides/<id>.yaml`, its keys in the usual order; refuses an id or file that exists."""
    root = Path(root).resolve()
    ident = data.get("id")
    if not isinstance(ident, str) or not SLUG_RE.match(ident):
        raise SaveRefused("een nieuwe dia heeft een id nodig van kleine letters, cijfers en streepjes, zoals 'nieuwe-dia'")
    target, name = _target(root, Path("slides", f"{ident}.yaml"))
    if ident in known_ids(root):
        raise SaveRefused(f"er is al een dia met id '{ident}'; kies een ander id")
    if target.exists() or target.is_symlink():
        raise SaveRefused(f"{name} bestaat al; kies een ander id")
    fields = {key: value for key, value in data.items() if value is not None}
    doc = CommentedMap()
    unknown = SLIDE_ORDER.index("translations") - 0.5  # a field the docs do not list goes before the translations
    for key in sorted(fields, key=lambda k: SLIDE_ORDER.index(k) if k in SLIDE_ORDER else unknown):
        doc[key] = _new(fields[key], (key,), _Edit(name, DoubleQuotedScalarString, []))
    doc.yaml_set_start_comment("Nieuwe dia, gemaakt in de studio.")
    form = {"bom": "", "crlf": False, "final_newline": True, "explicit_start": False}
    new_raw = _wrap(_dump(doc, form, (2, 4, 2)), form)
    expected = _as_read(None, fields)
    target.parent.mkdir(parents=True, exist_ok=True)
    _write(target, new_raw, name, lambda written: _reads_as(written, root, expected, name), replaces=None)
    return target


def known_ids(root: Path) -> set[str]:
    """The slide ids in the content folder: written slides and the phase slides of laws."""
    from .load import _ids_in_text  # the loader's scan of unreadable files; imported late: it pulls in the model

    ids: set[str] = set()
    for folder in ("slides", "laws"):
        for path in sorted((root / folder).rglob("*.y*ml")) if (root / folder).is_dir() else []:
            documents, problems = read_documents(path, root)
            found = _ids_in_text(path.read_bytes()) if problems else {
                str(item["id"]) for doc in documents
                for item in (doc.data if isinstance(doc.data, list) else [doc.data])
                if isinstance(item, dict) and item.get("id") is not None}
            ids |= found if folder == "slides" else {f"{law}-{phase}" for law in found for phase in ("voor", "na")}
    return ids


# --- reading and writing the file ---------------------------------------------------------------

def _target(root: Path, path: Path) -> tuple[Path, str]:
    """The file to write (a symlink's target, inside the content folder) and its name as staff see it."""
    full = Path(os.path.normpath(root / path))
    if not full.is_relative_to(root) or not full.resolve().is_relative_to(root):
        raise SaveRefused(f"{path} ligt buiten de inhoudsmap; daar schrijft de studio niet")
    return full.resolve(), full.relative_to(root).as_posix()


def _current(target: Path, name: str, base: str) -> bytes:
    """The file's bytes, when they are still the version the editor loaded."""
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        raise EditConflict(f"{name} is intussen door iemand anders verwijderd of hernoemd; uw wijziging is "
                           "niet opgeslagen") from None
    except OSError as exc:
        raise SaveRefused(f"{name} kan niet worden gelezen: {os_problem(exc)}") from None
    if hashlib.sha256(raw).hexdigest() != base:
        raise EditConflict(f"{name} is intussen door iemand anders veranderd; uw wijziging is niet opgeslagen. "
                           "Open de dia opnieuw en breng uw wijziging nog eens aan")
    return raw


def _slides_as_read(target: Path, root: Path, raw: bytes, name: str, document: int) -> list:
    """Every document as narrowcast reads it now; the one to change must be a slide, readable without problems."""
    documents, problems = read_documents(target, root, raw)
    if problems:
        raise SaveRefused(f"{name} heeft een fout die eerst hersteld moet worden: {problems[0]}")
    if not 0 <= document < len(documents) or not isinstance(documents[document].data, dict):
        raise SaveRefused(f"{name}: hier staat geen dia; pas het aan in de YAML-weergave")
    return [doc.data for doc in documents]


def _write(target: Path, data: bytes, name: str, check: Callable[[Path], None], replaces: bytes | None) -> None:
    """Write through a temporary file in the same folder (a name the watcher and the loader skip),
    checked before it replaces the file; `replaces` None: only when there is no file yet."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if replaces is None:
            check(temporary)
            os.link(temporary, target)  # never over a file that appeared meanwhile
            return
        shutil.copymode(target, temporary)
        check(temporary)
        if target.read_bytes() != replaces:  # narrows the window between loading and replacing
            raise EditConflict(f"{name} is intussen door iemand anders veranderd; uw wijziging is niet opgeslagen")
        os.replace(temporary, target)
    except FileExistsError:
        raise SaveRefused(f"{name} bestaat al; kies een ander id") from None
    except FileNotFoundError:
        raise EditConflict(f"{name} is intussen verwijderd of hernoemd; uw wijziging is niet opgeslagen") from None
    except OSError as exc:
        raise SaveRefused(f"{name} kan niet worden opgeslagen: {os_problem(exc)}") from None
    finally:
        temporary.unlink(missing_ok=True)


def _reads_as(written: Path, root: Path, expected: dict | list, name: str) -> None:
    documents, problems = read_documents(written, root)
    found = [doc.data for doc in documents] if isinstance(expected, list) else \
        (documents[0].data if len(documents) == 1 else None)
    if problems or found != expected:
        raise SaveRefused(f"de studio kon {name} niet zo opslaan dat narrowcast precies leest wat u invulde; "
                          "er is niets veranderd. Pas het aan in de YAML-weergave")


def _unwrap(raw: bytes) -> tuple[str, dict]:
    """The text to parse (no BOM, LF line ends) and the file's form to restore after dumping."""
    text = raw.decode("utf-8")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text.removeprefix(bom)
    form = {"bom": bom, "crlf": "\r\n" in text, "final_newline": text.endswith("\n") or not text,
            "explicit_start": bool(re.match(r"(?:[ \t]*(?:#[^\n]*)?\n)*---(?:[ \t\n]|$)", text.replace("\r\n", "\n")))}
    return text.replace("\r\n", "\n"), form


def _wrap(text: str, form: dict) -> bytes:
    if not form["final_newline"]:
        text = text.removesuffix("\n")
    if form["crlf"]:
        text = text.replace("\n", "\r\n")
    return (form["bom"] + text).encode("utf-8")


# --- ruamel.yaml: loading and dumping -----------------------------------------------------------

class _DatesAsText(VersionedResolver):
    """YAML 1.2 without timestamps: `2027-01-01` is written plain, as people write it (narrowcast
    reads every plain value as text). Numbers, true/false and null stay quoted for editors' sake."""

    def add_version_implicit_resolver(self, version, tag, regexp, first) -> None:  # type: ignore[override]
        if tag != "tag:yaml.org,2002:timestamp":
            super().add_version_implicit_resolver(version, tag, regexp, first)


def _yaml(indent: tuple[int, int, int] = (2, 4, 2), explicit_start: bool = False) -> YAML:
    yaml = YAML()  # round trip: comments, order, flow or block style kept
    yaml.Resolver = _DatesAsText
    yaml.preserve_quotes = True
    yaml.width = _NO_WRAP
    yaml.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    yaml.explicit_start = explicit_start
    return yaml


def _dump(doc: CommentedMap, form: dict, indent: tuple[int, int, int]) -> str:
    stream = io.StringIO()
    _yaml(indent, form["explicit_start"]).dump(doc, stream)
    return stream.getvalue()


def _indentation(doc: CommentedMap) -> tuple[int, int, int]:
    """(mapping, sequence, offset) as the file writes them: the first nested block mapping and
    block sequence under a key tell; house style where the file has none."""
    found: dict[str, int] = {}

    def walk(node: Any) -> None:
        if isinstance(node, CommentedSeq):
            for item in node:
                walk(item)
        if not isinstance(node, CommentedMap):
            return
        for key, value in node.items():
            position = (node.lc.data or {}).get(key)
            if _block(value) and position and position[2] > position[0]:
                if isinstance(value, CommentedMap):
                    found.setdefault("mapping", position[3] - position[1])
                elif 0 in (value.lc.data or {}):
                    found.setdefault("offset", position[3] - position[1])
                    found.setdefault("sequence", value.lc.data[0][1] - position[1])
            walk(value)

    walk(doc)
    mapping, sequence, offset = found.get("mapping", 2), found.get("sequence", 4), found.get("offset", 2)
    return (mapping, sequence, offset) if mapping > 0 and sequence >= offset + 2 >= 2 else (2, 4, 2)


def _block(value: Any) -> bool:
    return isinstance(value, (CommentedMap, CommentedSeq)) and len(value) > 0 and not value.fa.flow_style()


def _preferred_quote(doc: Any) -> type:
    """The quotes this file uses most (double when it has none), for a new value that needs them."""
    counts = {DoubleQuotedScalarString: 0, SingleQuotedScalarString: 0}

    def walk(node: Any) -> None:
        for value in node.values() if isinstance(node, Mapping) else node if isinstance(node, list) else [node]:
            if type(value) in counts:
                counts[type(value)] += 1
            elif isinstance(value, (Mapping, list)):
                walk(value)

    walk(doc)
    return max(counts, key=lambda kind: (counts[kind], kind is DoubleQuotedScalarString))


# --- changes ------------------------------------------------------------------------------------

@dataclass
class _Edit:
    """What every change in one save needs: the file's name for messages, the quotes it prefers for
    a new value that needs them, and its lines as loaded (the spaces before an end-of-line comment)."""

    name: str
    quote: type
    lines: list[str]


def _parts(dotted: str) -> tuple[str, ...]:
    parts = tuple(dotted.split("."))
    if not all(parts):
        raise ValueError(f"not a dotted key path: {dotted!r}")
    return parts


def _order(path: tuple) -> tuple[str, ...]:
    """The usual key order of the mapping at path."""
    if not path:
        return SLIDE_ORDER
    if len(path) == 2 and path[0] == "translations":
        return TRANSLATION_ORDER
    if isinstance(path[-1], int) and "steps" in path:
        return STEP_ORDER
    return ()


def _apply(doc: CommentedMap, parts: tuple[str, ...], value: Value | None, edit: _Edit) -> None:
    chain = [doc]
    for depth, part in enumerate(parts[:-1]):
        node = chain[-1]
        _refuse_shared(node, parts, edit)
        child = node.get(part)
        if child is None:
            if value is None:
                return  # nothing to remove
            child = CommentedMap()
            _insert(node, part, child, _order(parts[:depth]))
        elif not isinstance(child, CommentedMap):
            raise SaveRefused(f"{edit.name}: '{'.'.join(parts[:depth + 1])}' is geen blok met velden; "
                              "pas het aan in de YAML-weergave")
        chain.append(child)
    node, key = chain[-1], parts[-1]
    _refuse_shared(node, parts, edit)
    if value is not None:
        _assign(node, key, value, parts[:-1], edit)
        for parent, part, child in zip(chain, parts, chain[1:]):
            if child.fa.flow_style():  # `en: {title: …}  # comment`, written on one line
                _keep_comment_gap(parent, part, child, edit)
        return
    if key not in node:
        return
    _refuse_shared(node[key], parts, edit)
    depth = len(parts) - 1
    while depth > 0 and len(chain[depth]) == 1:  # a block left empty goes with its last key
        depth -= 1
    _remove(chain[depth], parts[depth])


def _refuse_shared(node: Any, parts: tuple, edit: _Edit) -> None:
    """Refuse to change what an anchor (&naam) shares with an alias (*naam), or keys merged in (<<)."""
    anchor = getattr(getattr(node, "anchor", None), "value", None)
    if anchor is not None or getattr(node, merge_attrib, None):
        raise SaveRefused(f"{edit.name}: '{'.'.join(map(str, parts))}' staat in een blok dat met een anker (&naam) "
                          "of alias (*naam) gedeeld wordt; dat verandert de studio niet. Pas het aan in de YAML-weergave")


def _assign(node: CommentedMap | CommentedSeq, key: Any, value: Value, path: tuple, edit: _Edit) -> None:
    """node[key] = value, changing in place what can be, so comments and styles stay."""
    exists = key in node if isinstance(node, CommentedMap) else key < len(node)
    old = node[key] if exists else None
    if old is not None:
        _refuse_shared(old, path + (key,), edit)
    if isinstance(value, Mapping) and isinstance(old, CommentedMap):
        for gone in [k for k in old if value.get(k) is None]:
            _remove(old, gone)
        for k, v in value.items():
            if v is not None:
                _assign(old, k, v, path + (key,), edit)
        _keep_comment_gap(node, key, old, edit)
    elif isinstance(value, (list, tuple)) and isinstance(old, CommentedSeq):
        while len(old) > len(value):
            _remove(old, len(old) - 1)
        for index, item in enumerate(value):
            if index < len(old):
                _assign(old, index, item, path + (key,), edit)
            else:
                _append(old, _new(item, path + (key, index), edit))
        _keep_comment_gap(node, key, old, edit)
    elif isinstance(value, str) and isinstance(old, CommentedMap) and isinstance(node, CommentedSeq) and "text" in old:
        _assign(old, "text", value, path + (key,), edit)  # a step keeps its icon when its text changes
    elif _same(old, value):
        return
    elif not exists:
        _insert(node, key, _new(value, path + (key,), edit), _order(path))
    elif isinstance(value, (str, int)) and not _block(old):
        node[key] = _scalar(old, value, edit)
        _keep_comment_gap(node, key, node[key], edit)
    else:
        tail = _take_tail(node, key)
        node[key] = _new(value, path + (key,), edit)
        _give_tail(node, key, tail)


def _same(old: Any, new: Value) -> bool:
    """Whether narrowcast would read the old value as the new one (then its bytes stay)."""
    scalar = (str, int)
    return (isinstance(old, scalar) and isinstance(new, scalar) and not isinstance(old, bool)
            and not isinstance(new, bool) and str(old) == str(new))


def _new(value: Value, path: tuple, edit: _Edit) -> Any:
    """A value as a person writes it: block style, plain where plain reads back the same."""
    if isinstance(value, Mapping):
        mapping = CommentedMap()
        order = _order(path)
        for key in sorted((k for k, v in value.items() if v is not None),
                          key=lambda k: order.index(k) if k in order else len(order)):
            mapping[key] = _new(value[key], path + (key,), edit)
        return mapping
    if isinstance(value, (list, tuple)):
        return CommentedSeq(_new(item, path + (index,), edit) for index, item in enumerate(value))
    return _scalar(None, value, edit)


def _scalar(old: Any, value: str | int, edit: _Edit) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"a slide field is text, a whole number, a list or a mapping, not {type(value).__name__}")
    if isinstance(value, int):
        return value
    if type(old) in _KEPT_STYLES:
        return type(old)(value)  # the author's quotes or block style
    if "\n" in value:
        return LiteralScalarString(value)
    return value if _rendered(value) == value else edit.quote(value)


def _rendered(value: Any) -> str:
    """How ruamel writes a scalar value after `key: `."""
    stream = io.StringIO()
    _yaml().dump({"k": value}, stream)
    return stream.getvalue().removeprefix("k: ").removesuffix("\n")


def _keep_comment_gap(node: Any, key: Any, new: Any, edit: _Edit) -> None:
    """An end-of-line comment stays as many spaces after the new value as it stood after the old
    one (ruamel keeps its column: a shorter value is padded, a longer one gets one space)."""
    entry = node.ca.items.get(key)
    token = entry[2 if isinstance(node, CommentedMap) else 0] if entry else None
    position = (node.lc.data or {}).get(key)
    if not isinstance(token, CommentToken) or position is None or not token.value.startswith("#"):
        return
    line, column = (position[2], position[3]) if isinstance(node, CommentedMap) else position
    if getattr(token.start_mark, "line", None) != line or line >= len(edit.lines):
        return
    before = edit.lines[line][:token.column]
    comment = token.value.partition("\n")[0]
    new_text = _rendered(new).removesuffix(comment).rstrip()
    if "\n" not in new_text and before.strip():
        token.start_mark = CommentMark(column + len(new_text) + len(before) - len(before.rstrip()))


def _insert(node: CommentedMap, key: str, value: Any, order: tuple[str, ...]) -> None:
    """Insert a new key at its usual place; the comment lines that stood before the next key stay there."""
    keys = list(node)
    if key in order:
        rank = order.index(key)
        lower = [i for i, k in enumerate(keys) if k in order and order.index(k) < rank]
        higher = [i for i, k in enumerate(keys) if k in order and order.index(k) > rank]
        at = lower[-1] + 1 if lower else higher[0] if higher else len(keys)
    else:
        at = keys.index("translations") if order is SLIDE_ORDER and "translations" in keys else len(keys)
    tail = _take_tail(node, keys[at - 1]) if at > 0 else ""
    node.insert(at, key, value)
    _give_tail(node, key, tail)


def _append(seq: CommentedSeq, value: Any) -> None:
    tail = _take_tail(seq, len(seq) - 1) if seq else ""
    seq.append(value)
    _give_tail(seq, len(seq) - 1, tail)


def _remove(node: CommentedMap | CommentedSeq, key: Any) -> None:
    """Remove a key or item; the comment lines written after it move to what stood before it."""
    keys = list(node) if isinstance(node, CommentedMap) else list(range(len(node)))
    at = keys.index(key)
    tail = _take_tail(node, key)
    del node[key]
    if isinstance(node, CommentedMap):
        node.ca.items.pop(key, None)
    if at > 0:
        _give_tail(node, keys[at - 1], tail)


# ruamel keeps the comment lines (and blank lines) after a value in the comment token of the last
# scalar written before them: "  # eol comment\n# next line\n\n". The part after the first line
# belongs to what follows, so it moves when a key is inserted or removed before it.

def _tail_holder(node: Any, key: Any) -> tuple[Any, Any]:
    value = node[key]
    while _block(value):
        node, key = value, (next(reversed(value)) if isinstance(value, CommentedMap) else len(value) - 1)
        value = node[key]
    return node, key


def _take_tail(node: Any, key: Any) -> str:
    holder, at = _tail_holder(node, key)
    slot = 2 if isinstance(holder, CommentedMap) else 0
    entry = holder.ca.items.get(at)
    token = entry[slot] if entry and len(entry) > slot else None
    if not isinstance(token, CommentToken):
        return ""
    first, newline, rest = token.value.partition("\n")
    if not rest:
        return ""
    if first.strip():
        token.value = first + newline
    else:
        entry[slot] = None
    return rest


def _give_tail(node: Any, key: Any, tail: str) -> None:
    if not tail:
        return
    holder, at = _tail_holder(node, key)
    slot = 2 if isinstance(holder, CommentedMap) else 0
    entry = holder.ca.items.setdefault(at, [None, None, None, None])
    token = entry[slot]
    if isinstance(token, CommentToken):
        token.value = token.value + ("" if token.value.endswith("\n") else "\n") + tail
    else:
        entry[slot] = CommentToken("\n" + tail, CommentMark(0), None)


# --- what narrowcast must read back -------------------------------------------------------------

def _expected(data: dict, changes: Mapping[str, Value | None]) -> dict:
    """The slide's data as narrowcast should read it after the changes (every value as text)."""
    data = copy.deepcopy(data)
    for dotted, value in changes.items():
        parts, chain = _parts(dotted), [data]
        for part in parts[:-1]:
            if value is None and not isinstance(chain[-1].get(part), dict):
                break
            chain.append(chain[-1].setdefault(part, {}))
        else:
            if value is not None:
                chain[-1][parts[-1]] = _as_read(chain[-1].get(parts[-1]), value)
                continue
            chain[-1].pop(parts[-1], None)
            for depth in range(len(chain) - 1, 0, -1):
                if not chain[depth]:
                    del chain[depth - 1][parts[depth - 1]]
    return data


def _as_read(old: Any, new: Value, in_list: bool = False) -> Any:
    if isinstance(new, Mapping):
        return {k: _as_read(old.get(k) if isinstance(old, dict) else None, v) for k, v in new.items() if v is not None}
    if isinstance(new, (list, tuple)):
        return [_as_read(old[i] if isinstance(old, list) and i < len(old) else None, item, True)
                for i, item in enumerate(new)]
    if in_list and isinstance(new, str) and isinstance(old, dict) and "text" in old:
        return {**old, "text": new}
    return str(new)
