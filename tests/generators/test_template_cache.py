"""Compiled templates kept between runs: served only for the same source, never an error."""

from __future__ import annotations

import os

import jinja2
import pytest
from genhelp import cluster, server
from jinja2.bccache import bc_magic

from vxha.generators import template_cache
from vxha.generators.generate import generate

ADMINS = (
    "cluster {{{{ cluster.name }}}} (\n    Statistics = Enabled\n    Administrators = {{ {} }}\n)\n"
)


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    home = tmp_path / "cache"
    monkeypatch.setenv(template_cache.CACHE_ENV, str(home))
    return home / "vxha" / "templates"


def _admins(templates) -> list:
    return generate(cluster(), [server("w")], templates=str(templates)).config.cluster.attrs[
        "Administrators"
    ]


def _no_compiling(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("compiled a template the cache holds")

    monkeypatch.setattr(jinja2.Environment, "compile", refuse)


def test_a_second_run_uses_the_compiled_templates(tmp_path, cache_home, monkeypatch):
    first = generate(cluster(), [server("w")]).text
    assert len(os.listdir(cache_home)) == 5  # main, cluster, system, cvm, server
    _no_compiling(monkeypatch)
    assert generate(cluster(), [server("w")]).text == first


def test_a_template_edited_in_place_is_compiled_again(tmp_path, cache_home):
    templates = tmp_path / "templates"
    templates.mkdir()
    path = templates / "cluster.cf.j2"
    path.write_text(ADMINS.format("admin"))
    assert _admins(templates) == ["admin"]
    stamp = os.stat(path)
    # same length, same modification time: only the content tells them apart
    path.write_text(ADMINS.format("alice"))
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert _admins(templates) == ["alice"]


def test_another_jinja2_or_other_options_compile_again():
    one = template_cache.bytecode_cache("jinja2 3.1.6 [('trim_blocks', True)]")
    other = template_cache.bytecode_cache("jinja2 3.1.7 [('trim_blocks', True)]")
    assert one.get_source_checksum("x") != other.get_source_checksum("x")
    assert one.get_source_checksum("x") != one.get_source_checksum("y")


def test_a_damaged_entry_is_compiled_again(cache_home):
    first = generate(cluster(), [server("w")]).text
    for name in os.listdir(cache_home):
        # jinja2's own header, then what no pickle or marshal reads
        (cache_home / name).write_bytes(bc_magic + b"\x80\xff damaged")
    assert generate(cluster(), [server("w")]).text == first


def test_a_directory_others_may_write_is_not_used(cache_home, monkeypatch):
    cache_home.mkdir(parents=True)
    os.chmod(cache_home, 0o777)
    assert template_cache.cache_dir() is None
    generate(cluster(), [server("w")])
    assert os.listdir(cache_home) == []


def test_without_a_usable_directory_templates_are_compiled(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(template_cache.CACHE_ENV, str(blocker))  # a file: no directory under it
    assert template_cache.cache_dir() is None
    assert generate(cluster(), [server("w")]).config.group("w") is not None
