"""The three compatibility questions, as functions and as vxha compat."""

from __future__ import annotations

from vxha.profiles.compat import can_host, can_serve, profile_chain, same_qos
from vxha.profiles.model import System


def _resolved(session, name):
    return [r for r in session.resolved if r.server and r.server.name == name][0]


def test_q1_same_version_full_service(ws):
    session = ws.validate(ws.images / "nbu")
    doc = session.catalogs[next(iter(session.catalogs))].image("nbu").versions["10.2"]
    answer = can_serve(doc)
    assert answer.ok and answer.full


def test_q1_older_platform_serves_newer_minor_with_reduced_qos(ws):
    session = ws.validate(ws.images / "nbu")
    doc = session.catalogs[next(iter(session.catalogs))].image("nbu").versions["10.3"]
    answer = can_serve(doc, up_to="1.0.0")
    assert answer.ok and not answer.full
    assert answer.reduced == [f"{doc.path}: labels"]
    assert "ignores labels" in answer.reasons[0]


def test_q1_newer_major_cannot_be_served(ws):
    ws.edit(ws.server("auth1"), lambda d: d.update(schema="2.0.0"))
    session = ws.validate(ws.server("auth1"))
    answer = can_serve(session.server_docs[0])
    assert not answer.ok and "upgrade vxha" in answer.reasons[0]


def test_q2_node_hosting(ws):
    session = ws.validate()
    r = _resolved(session, "nbu_master1")
    chain = profile_chain(r, r.catalog)
    n1, n3 = session.cluster.system("n1"), session.cluster.system("n3")
    assert can_host(n1, r.server, chain).full
    on_n3 = can_host(n3, r.server, chain)
    assert on_n3.ok and not on_n3.full and on_n3.reduced[0].endswith("10.3.yaml: labels")
    small = System("n4", 2, 4096, "eth0", "1.1.0", ["nbu:10.3"])
    answer = can_host(small, r.server, chain)
    assert not answer.ok and "needs 4 CPUs and 16384 MiB" in answer.reasons[0]
    # either one lacking is enough: CPUs to spare do not make up for memory, nor the reverse
    for cpus, mib in ((64, 16383), (3, 1 << 20)):
        answer = can_host(System("n4", cpus, mib, "eth0", "1.1.0", ["nbu:10.3"]), r.server, chain)
        assert not answer.ok
        assert answer.reasons[0] == (
            f"n4 has {cpus} CPUs and {mib} MiB; the server needs 4 CPUs and 16384 MiB"
        )
    other = System("n5", 64, 1 << 20, "eth0", "1.1.0", ["nbu:10.2"])
    assert "image nbu:10.3 is not loaded on n5" in can_host(other, r.server, chain).reasons
    # a system listing no images is not known to lack one, as the generator reads it
    bare = System("n6", 64, 1 << 20, "eth0", "1.1.0", [])
    assert can_host(bare, r.server, chain).ok


def test_q2_a_system_the_server_does_not_name_cannot_host(ws):
    session = ws.validate()
    r = _resolved(session, "nbu_media1")  # systems: [n1, n2]
    chain = profile_chain(r, r.catalog)
    n3 = session.cluster.system("n3")
    answer = can_host(n3, r.server, chain)
    assert not answer.ok and "n3 is not in the server's systems" in answer.reasons


def test_q2_old_major_node_cannot_host(ws):
    session = ws.validate()
    r = _resolved(session, "auth1")
    old = System("n0", 64, 1 << 20, "eth0", "0.9.0", ["authsvc:3.4"])
    answer = can_host(old, r.server, profile_chain(r, r.catalog))
    assert not answer.ok and any("newer major version" in x for x in answer.reasons)


def test_q3_quality_of_service(ws):
    session = ws.validate()
    items = [(r.server, profile_chain(r, r.catalog)) for r in session.resolved]
    report = same_qos(session.cluster, items)
    assert not report.same
    assert any(
        x.startswith("nbu_master1: reduced quality of service on n3") for x in report.reasons
    )
    assert report.per_server["db1"]["n3"].full
    # Without the 1.1.0 attribute, every system gives the same service.
    ws.edit(ws.images / "nbu" / "10.3.yaml", lambda d: (d.pop("labels"), d.update(schema="1.0.0")))
    session = ws.validate()
    items = [(r.server, profile_chain(r, r.catalog)) for r in session.resolved]
    report = same_qos(session.cluster, items)
    assert report.same, report.reasons
