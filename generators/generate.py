"""Profiles -> main.cf: plan, render with jinja2, parse, verify, write (DECISIONS.md 5).

Templates decide what is in main.cf; the writer decides how it looks. Whatever a template
(ours or an admin's, via ``templates``) renders is parsed and verified before it is
written, so the output is canonical and never unverified.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from vxha.memo import Memo
from vxha.vcs_types import cf
from vxha.vcs_types.model import Config, Group
from vxha.vcs_types.writer import scalar_text

from .build import GenerationError, Options, plan
from .template_cache import bytecode_cache

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAIN_TEMPLATE = "main.cf.j2"
RENDERED = "<rendered main.cf>"


@dataclass
class Result:
    text: str  # the canonical main.cf
    config: Config  # its model (types resolved)
    warnings: List[str] = field(default_factory=list)


# A string -> its main.cf text: label keys, images, NICs, health commands and systems
# repeat from server to server.
_TEXTS = Memo(scalar_text)


def _q(value):
    # only strings are remembered: 1, 1.0 and True are equal keys with other texts
    return _TEXTS[value] if value.__class__ is str else scalar_text(value)


# The list filters read each value as _q does, written out in their loops: a call of _q a
# value was about a tenth of rendering.
def _vec(values):
    if not values:
        return "{}"
    texts = _TEXTS
    return (
        "{ "
        + ", ".join([texts[v] if v.__class__ is str else scalar_text(v) for v in values])
        + " }"
    )


def _assoc(mapping):
    if not mapping:
        return "{}"
    texts = _TEXTS
    items = [
        f"{texts[k] if k.__class__ is str else scalar_text(k)} = "
        f"{texts[v] if v.__class__ is str else scalar_text(v)}"
        for k, v in mapping.items()
    ]
    return "{ " + ", ".join(items) + " }"


def _pairs(pairs):
    return _assoc(dict(pairs))


def _environment_class():
    import jinja2
    from jinja2 import nodes
    from jinja2.compiler import CodeGenerator

    class Generator(CodeGenerator):
        """Compiles ``name.key`` on a dict to the item itself, ``environment.getattr`` only
        for anything else: a Python call an attribute was a fifth of rendering."""

        def visit_Getattr(self, node, frame):
            if (
                not isinstance(node.node, nodes.Name)
                or node.attr in _DICT_ATTRIBUTES
                or self.environment.is_async
            ):
                return super().visit_Getattr(node, frame)
            key = repr(node.attr)
            self.write("(")
            self.visit(node.node, frame)
            self.write(f"[{key}] if ")
            self.visit(node.node, frame)
            self.write(f".__class__ is dict and {key} in ")
            self.visit(node.node, frame)
            self.write(" else ")
            super().visit_Getattr(node, frame)
            self.write(")")

    class Environment(jinja2.Environment):
        """Reads the context's keys as attributes without the exception-driven fallback
        (``getattr`` first, then the key), as jinja2 itself would resolve them."""

        code_generator_class = Generator

        def getattr(self, obj, attribute):
            if obj.__class__ is dict and attribute not in _DICT_ATTRIBUTES:
                try:
                    return obj[attribute]
                except KeyError:
                    return self.undefined(obj=obj, name=attribute)
            return super().getattr(obj, attribute)

    return Environment


_DICT_ATTRIBUTES = frozenset(dir(dict))
# Changes whenever Generator compiles templates differently: part of the compiled cache's key.
_CODE_GENERATION = "dict items inline 1"
# What the compiled code depends on besides the source: part of the compiled cache's key.
_OPTIONS = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": True,
    "autoescape": False,  # main.cf, not HTML; values go through |q
}


def environment(templates: Optional[str] = None):
    """The jinja2 environment: an admin's directory first, then ours, file by file."""
    import jinja2

    loaders = []
    if templates:
        if not os.path.isdir(templates):
            raise GenerationError([f"{templates}: not a templates directory"])
        loaders.append(jinja2.FileSystemLoader(str(templates)))
    loaders.append(jinja2.FileSystemLoader(str(TEMPLATES)))
    env = _environment_class()(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        **_OPTIONS,
    )
    env.bytecode_cache = bytecode_cache(
        f"jinja2 {jinja2.__version__} {sorted(_OPTIONS.items())} {_CODE_GENERATION}"
    )
    # q: a scalar as main.cf needs it, identifiers and integers bare, the rest quoted
    env.filters.update(q=_q, vec=_vec, assoc=_assoc, pairs=_pairs)
    return env


def render(context: dict, templates: Optional[str] = None) -> str:
    import jinja2

    try:
        return environment(templates).get_template(MAIN_TEMPLATE).render(**context)
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or MAIN_TEMPLATE
        line = getattr(exc, "lineno", None)
        raise GenerationError([f"{where}:{line or 0}: template error: {exc}"]) from exc


def resolve_types(config: Config, directory: Optional[str] = None) -> Config:
    """Resolve the includes from ``directory`` (falling back to the built-in types)."""
    return cf.resolve_includes(config, directory or TEMPLATES)


def check(config: Config) -> List[str]:
    """Every verifier problem as ``file:line: message`` (empty: valid)."""
    from vxha.vcs_types import verify

    return [str(p) for p in verify.errors(verify.verify(config))]


def parse_and_verify(text: str, directory: Optional[str] = None, external_groups=()) -> Config:
    """The model of rendered text, verified; GenerationError quoting the rendered lines."""
    try:
        config = resolve_types(cf.parse(text, RENDERED), directory)
    except cf.CfError as exc:
        raise GenerationError([_with_line(text, str(exc), getattr(exc, "line", 0))]) from exc
    problems = _problems(config, external_groups)
    if problems:
        raise GenerationError(["the rendered configuration does not verify:"] + problems)
    return config


def _problems(config: Config, external_groups) -> List[str]:
    probe = config
    if external_groups:
        # A cvm group the cluster keeps elsewhere: verify as if it were present.
        probe = Config(
            includes=config.includes,
            cluster=config.cluster,
            systems=config.systems,
            groups=config.groups + [_stub_group(n, config) for n in external_groups],
            types=config.types,
            source=config.source,
        )
    return check(probe)


def _stub_group(name: str, config: Config) -> Group:
    systems = [s.name for s in config.systems]
    return Group(
        name,
        attrs={
            "SystemList": {s: i for i, s in enumerate(systems)},
            "AutoStartList": systems,
            "Parallel": 1,
            "AutoFailOver": 0,
        },
    )


def _with_line(text: str, message: str, line: int) -> str:
    lines = text.splitlines()
    if 0 < line <= len(lines):
        return f"{message}\n    {line}: {lines[line - 1].strip()}"
    return message


def generate(
    cluster,
    servers,
    options: Optional[Options] = None,
    templates: Optional[str] = None,
    directory: Optional[str] = None,
    held: Optional[list] = None,
) -> Result:
    """The verified, canonical main.cf for a Cluster and its Servers (vxha.profiles).

    ``directory``: where the includes are looked up (the -o file's directory); absent
    files fall back to the built-in declarations. ``held``: see generate_from_files.
    Raises GenerationError.
    """
    p = plan(cluster, servers, options)
    external = () if cluster.emit_cvm else (p.context["cvm"]["group"],)
    text = render(p.context, templates)
    if held is not None:
        held += (p, text)
    config = parse_and_verify(text, directory, external)
    result = Result(cf.write(config), config, p.warnings)
    if held is not None:
        held.append(result)
    return result


def generate_from_files(
    cluster_path: str,
    server_paths,
    image_root: Optional[str] = None,
    options: Optional[Options] = None,
    templates: Optional[str] = None,
    directory: Optional[str] = None,
    discover: bool = False,
    held: Optional[list] = None,
) -> Result:
    """Load and validate the profiles (ProfileError), then ``generate``. ``held``: a list kept
    to the process's end, for the profiles, plan, rendered text and result (cli/main.py run)."""
    from vxha.profiles import load_cluster, load_servers

    warnings: list = []
    cluster = load_cluster(cluster_path, warnings=warnings)
    notes = [p.format() for p in warnings]
    if discover:
        from .discover import apply_discovery

        notes += apply_discovery(cluster)
    warnings = []
    servers = load_servers(server_paths, image_root, cluster, warnings, held)
    if held is not None:
        held += (cluster, servers)
    notes += [p.format() for p in warnings]
    result = generate(cluster, servers, options, templates, directory, held)
    result.warnings = notes + result.warnings
    return result
