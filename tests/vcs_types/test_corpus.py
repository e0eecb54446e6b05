"""The corpus (tests/vcs_types/corpus/): published files parsed, verified against their
written-down findings, and written back (MANIFEST.yaml says where each came from)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from vxha.vcs_types import bundled
from vxha.vcs_types.cf import CfError, parse, parse_file, write
from vxha.vcs_types.decl import render_type
from vxha.vcs_types.verify import verify

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = yaml.safe_load((CORPUS / "MANIFEST.yaml").read_text())
ENTRIES = {e["path"]: e for e in MANIFEST}
# Files the parser refuses, with the error written down instead of findings.
REFUSED = [e for e in MANIFEST if e.get("parse_error")]
READ = [e for e in MANIFEST if not e.get("parse_error")]


def test_every_file_of_the_corpus_is_in_the_manifest_with_its_provenance():
    files = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.cf") if p.is_file()}
    assert files == set(ENTRIES)
    for entry in MANIFEST:
        assert entry["source"] and entry["terms"], entry["path"]
        assert entry["kind"] in ("main.cf", "types")
        for finding in entry["findings"]:
            assert finding["why"], finding
        if entry.get("parse_error"):
            assert entry["parse_error"]["why"] and not entry["findings"], entry["path"]


def _load(entry):
    path = CORPUS / entry["path"]
    if entry["kind"] == "main.cf":
        return parse_file(path)
    return parse(path.read_text(), path.name)


def _where(issue):
    # positions are checked relative to the file's own name
    where = issue.where
    return where[len(str(CORPUS)) + 1 :].split("/")[-1] if where.startswith("/") else where


@pytest.mark.parametrize("entry", READ, ids=lambda e: e["path"])
def test_corpus_file_verifies_to_its_written_down_findings(entry):
    found = [
        {"rule": i.rule, "severity": i.severity, "where": _where(i), "message": i.message}
        for i in verify(_load(entry))
    ]
    expected = [
        {k: f[k] for k in ("rule", "severity", "where", "message")} for f in entry["findings"]
    ]
    assert found == expected


@pytest.mark.parametrize("entry", REFUSED, ids=lambda e: e["path"])
def test_corpus_file_is_refused_with_its_written_down_error(entry):
    with pytest.raises(CfError) as e:
        _load(entry)
    expected = entry["parse_error"]
    assert f"{e.value.file}:{e.value.line}:{e.value.column}".endswith(expected["where"])
    assert e.value.message == expected["message"]


def _below_header(text):
    # a restatement opens with its provenance in // lines, which hacf would not write
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("//"):
        lines.pop(0)
    return "".join(lines)


@pytest.mark.parametrize("entry", READ, ids=lambda e: e["path"])
def test_corpus_file_round_trips(entry):
    path = CORPUS / entry["path"]
    text = path.read_text()
    model = parse(text, path.name)
    written = write(model)
    assert parse(written, path.name) == model
    assert write(parse(written)) == written
    if entry["hacf_layout"]:
        assert written == _below_header(text)


def test_the_older_drbd_configure_types_file_beside_types_cf_is_a_duplicate_type(tmp_path):
    shutil.copy(CORPUS / "linbit-drbd-9614ec5" / "main.cf", tmp_path / "main.cf")
    shutil.copy(CORPUS / "linbit-drbd-2413bc5" / "DRBDConfigureTypes.cf", tmp_path)
    shutil.copy(CORPUS / "linbit-drbd-9614ec5" / "DRBDPrimaryTypes.cf", tmp_path)
    # Veritas's types.cf beside main.cf declares FileOnOff first; the second include
    # repeats it (a types.cf of our own holding the two types main.cf uses)
    (tmp_path / "types.cf").write_text(
        "type FileOnOff (\n\tstatic str ArgList[] = { PathName }\n\tstr PathName\n)\n\n"
        + render_type(bundled.MOUNT)
    )
    with pytest.raises(CfError) as e:
        parse_file(tmp_path / "main.cf")
    assert (e.value.line, e.value.column) == (2, 1)
    assert e.value.message.startswith(
        "expected each type declared once, found type FileOnOff of DRBDConfigureTypes.cf"
    )
    # without types.cf, its built-in declarations stand in: the real file's FileOnOff is
    # used (DECISIONS.md 10), with a warning that the cluster's own types.cf may repeat it
    (tmp_path / "types.cf").unlink()
    cfg = parse_file(tmp_path / "main.cf")
    assert cfg.type_origin["FileOnOff"] == "DRBDConfigureTypes.cf"
    warnings = [str(i) for i in verify(cfg) if i.message.startswith("type ")]
    assert warnings == [
        f"{tmp_path}/main.cf:2:1: warning: type FileOnOff: declared by DRBDConfigureTypes.cf "
        "and by vxha's built-in types.cf: DRBDConfigureTypes.cf's declaration is used; if the "
        "cluster's own types.cf declares FileOnOff too, hacf refuses the second declaration"
    ]


def test_the_corpus_counts_the_files_copied_under_terms_that_allow_it():
    counted = [e for e in MANIFEST if e["counted"]]
    assert len(counted) == 4  # README.md: why the corpus is short of 30


def test_the_privnic_sample_without_its_type_file_reads_the_built_in_declaration(tmp_path):
    # PrivNIC.cf is among the files vxha declares built in (docs/vcs-language.md, "Built-in
    # declarations"), which holds every attribute the sample sets
    shutil.copy(CORPUS / "restatements" / "privnic-5.0" / "main.cf", tmp_path / "main.cf")
    cfg = parse_file(tmp_path / "main.cf")
    assert cfg.type_origin["PrivNIC"] == "PrivNIC.cf"
    assert verify(cfg) == []
