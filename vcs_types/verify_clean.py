"""One pass over the groups and resources that tells whether the per-object rules would
find nothing, so that ``verify`` can skip them on a clean configuration.

Each check is a rule's own condition or a stricter one: ``clean`` may answer False for a
configuration the rules pass (they then run and decide), never True for one they would
report. A rule of ``FUSED`` whose findings change must change here too
(tests/vcs_types/test_verify_clean.py compares the two on every test configuration).
"""

from __future__ import annotations

from itertools import chain, repeat
from operator import attrgetter

from vxha.vcs_types.verify import (
    CLUSTER_ATTRS,
    GROUP_ATTRS,
    NUMBERED,
    SYSTEM_ATTRS,
    _plain_names,
    _quiet,
    _resource_spec,
    _scalars,
    group_link_issues,
    rule_attributes,
    rule_localized_systems,
    rule_names,
    rule_numbers,
    rule_resource_links,
    rule_types_known,
)
from vxha.vcs_types.verify_groups import (
    _required,
    link_problem,
    rule_group_dependencies,
    rule_required_attributes,
)

# The rules ``clean`` answers for; the others (type declarations, dependency cycles and
# levels) always run.
FUSED = frozenset(
    (
        rule_names,
        rule_types_known,
        rule_attributes,
        rule_localized_systems,
        rule_numbers,
        rule_resource_links,
        rule_required_attributes,
        rule_group_dependencies,
    )
)

_CLUSTER_SCALARS = _scalars(CLUSTER_ATTRS)
_SYSTEM_SCALARS = _scalars(SYSTEM_ATTRS)
_GROUP_SCALARS = _scalars(GROUP_ATTRS)
_OTHER_NUMBERED = NUMBERED - {"SystemList"}
_UNSET = (None, "", [], {})  # verify_groups._is_set's
_NAME = attrgetter("name")
_TYPE = attrgetter("type")
_LOCAL = attrgetter("local")
_RESOURCES = attrgetter("resources")
_PARENT = attrgetter("parent")
_CHILD = attrgetter("child")


def clean(ctx) -> bool:
    """True when no rule of ``FUSED`` would yield an issue for ``ctx``'s configuration."""
    cfg = ctx.config
    if cfg.remoteclusters or cfg.heartbeats or cfg.sites:
        # chosen because global-cluster and site objects are few and their names count as
        # systems in places: the rules themselves judge such a configuration
        return False
    systems = ctx.systems
    c = cfg.cluster
    if c is not None and not _quiet(c.attrs, c.local, CLUSTER_ATTRS.get, _CLUSTER_SCALARS):
        return False
    system_spec = SYSTEM_ATTRS.get
    for s in cfg.systems:
        if not _quiet(s.attrs, None, system_spec, _SYSTEM_SCALARS):
            return False
    if not _plain_names([s.name for s in cfg.systems], True):
        return False
    try:
        return _groups_clean(ctx, cfg.groups, systems)
    except TypeError:
        return False  # a value that cannot be hashed or compared: the rules say what


def _groups_clean(ctx, groups, systems) -> bool:
    # What can be asked of every resource at once is asked in C (map, chain, set
    # operations): a Python step a resource costs as much as a dozen in C.
    resources = list(chain.from_iterable(map(_RESOURCES, groups)))
    types = ctx.types
    if not types.keys() >= set(map(_TYPE, resources)):
        return False  # an unknown type
    resource_names = list(map(_NAME, resources))
    if not _plain_names(resource_names, False):
        return False
    group_names = [g.name for g in groups]
    if not _plain_names(group_names, False):
        return False
    superset = systems.issuperset
    localized = list(filter(None, map(_LOCAL, resources)))
    if localized and not all(map(superset, chain.from_iterable(map(dict.values, localized)))):
        return False  # a value localized to a name that is no system
    group_spec = GROUP_ATTRS.get
    per_type = {}  # type name -> (spec, scalars, renamed, required), worked out once a type
    links = []
    link_groups = []  # the name of each link's group
    parallel = {}  # group name -> whether it is a parallel group
    for g in groups:
        name = g.name
        attrs = g.attrs
        local = g.local
        if not _quiet(attrs, local, group_spec, _GROUP_SCALARS):
            return False
        if local and not all(map(superset, local.values())):
            return False
        sl = attrs.get("SystemList")
        if sl.__class__ is dict:
            numbers = list(sl.values())
            if None in numbers or len(set(numbers)) != len(numbers) or not superset(sl):
                return False
        elif sl.__class__ is list and not superset(sl):
            return False
        asl = attrs.get("AutoStartList")
        if asl is not None:
            if isinstance(asl, (dict, list)) and not superset(asl):
                return False
            if isinstance(sl, (dict, list)) and isinstance(asl, list):
                for system in asl:
                    if system not in sl:
                        return False
        if not _OTHER_NUMBERED.isdisjoint(attrs):
            return False  # numbered lists rule_numbers itself judges
        p = attrs.get("Parallel", 0)
        parallel[name] = isinstance(p, int) and p != 0
        if g.links:
            links += g.links
            link_groups += [name] * len(g.links)
        members = sl or ()
        for r in g.resources:
            known = per_type.get(r.type)
            if known is None:
                decl = types[r.type]
                table = _resource_spec(decl)
                known = (table.get, _scalars(table), decl.renamed, _required(ctx, r))
                per_type[r.type] = known
            spec, scalars, renamed, required = known
            rattrs = r.attrs
            rlocal = r.local
            if renamed and not (
                renamed.keys().isdisjoint(rattrs) and renamed.keys().isdisjoint(rlocal)
            ):
                return False
            if not _quiet(rattrs, rlocal, spec, scalars):
                return False
            for attr in required:
                value = rattrs.get(attr)
                if not value and value in _UNSET:
                    # set on every system of the SystemList (a false value counts as unset
                    # here: stricter than the rule)
                    per_sys = rlocal.get(attr)
                    if not per_sys or not all(map(per_sys.get, members)):
                        return False
    # Names are now unique: a link is its group's when both ends' group is the link's.
    if links:
        sizes = map(len, map(_RESOURCES, groups))
        owner = dict(zip(resource_names, chain.from_iterable(map(repeat, group_names, sizes))))
        if not _links_clean(ctx, groups, links, link_groups, owner):
            return False
    problems = {}  # (category, location, rigidity, parent parallel, child parallel) -> why
    for g in groups:
        deps = g.deps
        if not deps:
            continue
        name = g.name
        seen = set()
        for d in deps:
            child = d.child
            if child == name or child in seen or child not in parallel:
                return False
            seen.add(child)
            key = (d.category, d.location, d.rigidity, parallel[name], parallel[child])
            why = problems.get(key, 0)
            if why == 0:
                why = problems[key] = link_problem(d, parallel[name], parallel[child])
            if why:
                return False
    return True


def _links_clean(ctx, groups, links, link_groups, owner) -> bool:
    parents = list(map(_PARENT, links))
    kids = list(map(_CHILD, links))
    if list(map(owner.get, parents)) != link_groups or list(map(owner.get, kids)) != link_groups:
        return False  # an end that is not a resource of the link's group
    if len(set(zip(parents, kids))) != len(parents):
        return False  # a link written twice
    both = set(parents).intersection(kids)
    if both:
        # resources that require and are required: a chain, or a cycle; those groups are
        # judged by the rule's own code
        by_name = {g.name: g for g in groups}
        for group_name in {owner[r] for r in both}:
            if next(group_link_issues(ctx, by_name[group_name], {}), None) is not None:
                return False
    return True
