"""Reading one profile file safely: size, encoding, symlinks, YAML with marks, no alias bombs.

Only the YAML node graph is built by PyYAML (its C parser when present); the conversion to
Python values is ours, so duplicate keys are errors, every value keeps its line and column,
and alias expansion is measured on the graph before anything is expanded.
"""

from __future__ import annotations

import json
import os
import re
import stat
from typing import Any, Dict, List, Optional, Tuple

import yaml

from . import plainyaml
from .model import Problem

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
# Aliases may add at most this many nodes beyond the document's own before we refuse it.
MAX_ALIAS_EXPANSION = 10_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"

KeyPath = Tuple[Any, ...]


def format_path(path: KeyPath) -> str:
    """('mounts', 1, 'path') -> 'mounts[1].path'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class Doc:
    """One loaded profile: its data, where each value sits, and its problems so far."""

    def __init__(
        self,
        path: str,
        data: Any,
        marks: Optional[Dict[KeyPath, Tuple[int, int]]],
        text: Optional[str] = None,
        texts: Optional[Dict[KeyPath, str]] = None,
    ):
        self.path = path
        self.data = data
        # None: read by the plain reader, which keeps no positions; the first problem
        # reported reads ``text`` again with PyYAML for them (and for ``_texts``).
        self._marks = marks
        self._text = text
        self._texts = texts if texts is not None else {}
        self.problems: List[Problem] = []
        self.kind: Optional[str] = None
        self.schema_version: Optional[str] = None
        self.known_version: Optional[str] = None
        self.unknown_attributes: List[str] = []

    @property
    def marks(self) -> Dict[KeyPath, Tuple[int, int]]:
        if self._marks is None:
            try:
                again = _parse_yaml(self._text or "", self.path)
                self._marks, self._texts = again.marks, again._texts
            except LoadFailed as exc:
                # The plain reader took a text that PyYAML refuses (the two are meant to
                # agree: tests/profiles/test_profile_plainyaml.py): PyYAML's error is then
                # the document's first problem, and positions are unknown.
                self._marks = {}
                self.problems.append(exc.problem)
        return self._marks

    def written(self, path: KeyPath) -> Optional[str]:
        """A number's, boolean's or null's text as the file writes it (``1.5e+3``)."""
        self.marks  # noqa: B018 - a plain-read document's texts come with its marks
        return self._texts.get(tuple(path))

    def where(self, path: KeyPath) -> Tuple[int, int]:
        path = tuple(path)
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (0, 0))

    def report(self, path: KeyPath, message: str, hint: str = "", severity: str = "error"):
        line, col = self.where(path)
        self.problems.append(
            Problem(self.path, line, format_path(path), message, hint, col, severity)
        )

    @property
    def errors(self) -> List[Problem]:
        # asked several times for each profile, which mostly has no problem at all
        if not self.problems:
            return []
        return [p for p in self.problems if p.severity == "error"]


class LoadFailed(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.format())
        self.problem = problem


def _fail(path: str, message: str, hint: str = "", line: int = 0, col: int = 0) -> LoadFailed:
    return LoadFailed(Problem(path, line, "", message, hint, col))


def check_inside(path: str, root: str) -> None:
    """Refuse a file that is, or sits behind, a symlink leading out of ``root``."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise _fail(
            path,
            f"symbolic link leaves the profile directory {root} (it points to {real})",
            "copy the profile into the directory instead of linking to it",
        )


def _read_up_to(fd: int, first: int, limit: int) -> bytes:
    """Read to the end, at most ``limit`` bytes; ``first``, the size expected, in one read."""
    parts = []
    want = min(first, limit)
    while limit > 0:
        chunk = os.read(fd, want)
        parts.append(chunk)
        limit -= len(chunk)
        # A regular file reads short only at its end: one read for a file as large as its
        # lstat said (a second read only for one that grew meanwhile).
        if len(chunk) < want:
            break
        want = min(65536, limit)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_text(path: str, root: Optional[str] = None) -> str:
    """The file's text, refusing files over 1 MiB, non-UTF-8 bytes and escaping symlinks."""
    if root is None:
        root = os.path.dirname(os.path.abspath(path))
    try:
        st = os.lstat(path)
    except OSError:
        st = None
    # A file that is no link, named directly in ``root`` (each file of a directory of
    # profiles), is inside it: one lstat instead of resolving both paths.
    if (
        st is None
        or stat.S_ISLNK(st.st_mode)
        or os.path.dirname(path) != root
        or os.path.basename(path) in ("", ".", "..")
    ):
        check_inside(path, root)
        try:
            st = os.stat(path)
        except OSError as exc:
            hint = ""
            if st is not None and stat.S_ISLNK(st.st_mode):
                hint = f"it is a link to {os.readlink(path)}, which is missing: remove the link"
            raise _fail(path, f"cannot read: {exc.strerror}", hint) from None
    if not stat.S_ISREG(st.st_mode):
        raise _fail(
            path,
            "a directory, not a profile file" if stat.S_ISDIR(st.st_mode) else "not a regular file",
            "a profile is a plain file; a directory whose name ends in .yaml, .yml or .json is"
            " not one: move or rename it",
        )
    if st.st_size > MAX_BYTES:
        raise _fail(
            path,
            f"file is {st.st_size} bytes; profiles are limited to 1 MiB ({MAX_BYTES} bytes)",
            "a profile is a few kilobytes: check that this is the file you meant",
        )
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            raw = _read_up_to(fd, st.st_size + 1, MAX_BYTES + 1)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _fail(path, f"cannot read: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise _fail(path, f"file is larger than 1 MiB ({MAX_BYTES} bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise _fail(
            path,
            f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at line {line}, column {col}",
            "save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)",
            line,
            col,
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _weigh(node, memo: Dict[int, int], active: set, depth: int, path: str) -> int:
    """Nodes the document expands to, counting shared (aliased) nodes every time."""
    key = id(node)
    if key in memo:
        return memo[key]
    if key in active:
        raise _fail(
            path,
            "recursive alias: a node contains itself",
            "remove the alias",
            node.start_mark.line + 1,
            node.start_mark.column + 1,
        )
    if depth > MAX_DEPTH:
        raise _fail(
            path,
            f"nested more than {MAX_DEPTH} levels deep",
            "profiles are shallow documents: check the indentation",
            node.start_mark.line + 1,
            node.start_mark.column + 1,
        )
    active.add(key)
    weight = 1
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            weight += _weigh(child, memo, active, depth + 1, path)
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            weight += _weigh(k, memo, active, depth + 1, path)
            weight += _weigh(v, memo, active, depth + 1, path)
    active.discard(key)
    memo[key] = weight
    return weight


class _Converter:
    def __init__(self, path: str, constructor):
        self.path = path
        self.constructor = constructor
        self.marks: Dict[KeyPath, Tuple[int, int]] = {}
        self.texts: Dict[KeyPath, str] = {}
        self.problems: List[Problem] = []

    def problem(self, node, keypath: KeyPath, message: str, hint: str = ""):
        self.problems.append(
            Problem(
                self.path,
                node.start_mark.line + 1,
                format_path(keypath),
                message,
                hint,
                node.start_mark.column + 1,
            )
        )

    def convert(self, node, keypath: KeyPath) -> Any:
        if len(keypath) > MAX_DEPTH:
            raise _fail(
                self.path,
                f"nested more than {MAX_DEPTH} levels deep",
                "profiles are shallow documents: check the indentation",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        self.marks[keypath] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            try:
                value = self.constructor.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                self.problem(
                    node,
                    keypath,
                    f"cannot read this value: {getattr(exc, 'problem', exc)}",
                    "only plain YAML values are allowed (no !!python or custom tags)",
                )
                return None
            if value.__class__ is not str and not node.style:
                # kept for hints that quote the value as written (1.5e+3, not 1500.0)
                self.texts[keypath] = node.value
                trap = plainyaml.yaml11_number(node.tag, node.value, value)
                if trap is not None and keypath[-1:] != ("<key>",):
                    self.problem(node, keypath, *trap)
            return value
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                self.problem(node, keypath, f"tag {node.tag} is not allowed", "remove the tag")
            return [self.convert(child, keypath + (i,)) for i, child in enumerate(node.value)]
        if node.tag != _MAP:
            self.problem(node, keypath, f"tag {node.tag} is not allowed", "remove the tag")
        result: Dict[str, Any] = {}
        first_line: Dict[str, int] = {}
        for knode, vnode in node.value:
            if knode.tag == "tag:yaml.org,2002:merge":
                self.problem(
                    knode,
                    keypath,
                    "merge keys (<<) are not supported",
                    "write the keys out in full",
                )
                continue
            if not isinstance(knode, yaml.ScalarNode):
                self.problem(knode, keypath, "a key must be a plain string, not a list or map")
                continue
            key = self.convert(knode, keypath + ("<key>",))
            self.marks.pop(keypath + ("<key>",), None)
            if not isinstance(key, str):
                hint = "quote the key"
                if isinstance(key, bool):
                    hint = "YAML reads yes/no/on/off/true/false as booleans: quote the key"
                self.problem(knode, keypath, f"key {knode.value!r} must be a string", hint)
                continue
            if key in result:
                self.problem(
                    knode,
                    keypath + (key,),
                    f"duplicate key {key!r} (first given at line {first_line[key]})",
                    "keep one of them: YAML does not merge repeated keys and vxha refuses "
                    "to guess which one you meant",
                )
                continue
            first_line[key] = knode.start_mark.line + 1
            result[key] = self.convert(vnode, keypath + (key,))
            # A key's own line is more useful than its value's when the value is a block.
            self.marks[keypath + (key,)] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
        return result


def _parse_json(text: str, path: str) -> Doc:
    """JSON that PyYAML cannot read (e.g. surrogate-pair escapes): values without marks."""
    problems: List[Problem] = []

    def pairs(items):
        out: Dict[str, Any] = {}
        for key, value in items:
            if key in out:
                problems.append(
                    Problem(path, 0, str(key), f"duplicate key {key!r}", "keep one of them")
                )
                continue
            out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except ValueError as exc:
        line, col = getattr(exc, "lineno", 0), getattr(exc, "colno", 0)
        raise _fail(path, f"malformed JSON: {getattr(exc, 'msg', exc)}", "", line, col) from None
    except RecursionError:
        raise _fail(path, "nested too deeply") from None
    if _depth(data) > MAX_DEPTH:
        raise _fail(path, f"nested more than {MAX_DEPTH} levels deep")
    doc = Doc(path, data, {(): (1, 1)})
    doc.problems.extend(problems)
    return doc


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max([_depth(v, level + 1) for v in value.values()] or [level])
    if isinstance(value, list):
        return max([_depth(v, level + 1) for v in value] or [level])
    return level


def parse_text(text: str, path: str) -> Doc:
    """YAML (or JSON) text -> Doc; raises LoadFailed for unreadable documents."""
    data = plainyaml.read(text)
    if data is not None:
        return Doc(path, data, None, text)
    try:
        return _parse_yaml(text, path)
    except LoadFailed:
        if not path.endswith(".json"):
            raise
        return _parse_json(text, path)


_ODD_SPACE = re.compile("[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]")


def _parse_yaml(text: str, path: str) -> Doc:
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 0
            col = mark.column + 1 if mark else 0
            what = exc.problem or str(exc)
            if exc.context:
                what = f"{exc.context}: {what}"
            hint = "check the indentation and quoting around this line"
            if "another document" in what:
                hint = "a profile is one document: remove this '---' line and what follows"
            # the mark may lie past the text's end ("{")
            line_text = "".join(text.split("\n")[mark.line : mark.line + 1]) if mark else ""
            if mark and line_text[mark.column : mark.column + 1] == "\t":
                what, hint = (
                    "a tab character; YAML indents with spaces only",
                    "replace the tab with spaces",
                )
            else:
                # a space YAML does not take for one (pasted from a document): name it
                odd = _ODD_SPACE.search(text, 0, mark.index + 1 if mark else len(text))
                if odd:
                    before = text[: odd.start()]
                    line = before.count("\n") + 1
                    col = odd.start() - (before.rfind("\n") + 1) + 1
                    what = (
                        f"a non-ASCII space (U+{ord(odd.group()):04X}) at line {line}, column "
                        f"{col}; YAML separates keys and values with ordinary spaces only"
                    )
                    hint = "retype it as a plain space"
            raise _fail(path, f"malformed YAML: {what}", hint, line, col) from None
        except yaml.reader.ReaderError as exc:
            before = text[: exc.position]
            line = before.count("\n") + 1
            col = exc.position - (before.rfind("\n") + 1) + 1
            char = exc.character if isinstance(exc.character, str) else chr(exc.character)
            raise _fail(
                path,
                f"control character U+{ord(char):04X} at line {line}, column {col} is not "
                "allowed in YAML",
                "remove it: profiles are plain text",
                line,
                col,
            ) from None
        except yaml.YAMLError as exc:
            raise _fail(path, f"malformed YAML: {exc}") from None
        except RecursionError:
            raise _fail(path, f"nested more than {MAX_DEPTH} levels deep") from None
        if node is None:
            from .schemas import newest_version  # schemas imports this module

            hint = f"a profile starts with 'schema: {newest_version('server')}'"
            raise _fail(path, "the file is empty", hint)
        memo: Dict[int, int] = {}
        # Without a '*' there is no alias to expand; the converter still bounds the depth.
        expanded = _weigh(node, memo, set(), 0, path) if "*" in text else 0
        if expanded > len(memo) + MAX_ALIAS_EXPANSION:
            raise _fail(
                path,
                f"refused: aliases expand this document from {len(memo)} to {expanded} "
                "values (an alias bomb)",
                "write the values out; profiles need no anchors or aliases",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        conv = _Converter(path, loader)
        data = conv.convert(node, ())
    finally:
        loader.dispose()
    doc = Doc(path, data, conv.marks, texts=conv.texts)
    doc.problems.extend(conv.problems)
    return doc


def load_doc(path: str, root: Optional[str] = None) -> Doc:
    """Read and parse one profile; raises LoadFailed with the reason."""
    return parse_text(read_text(path, root), path)
