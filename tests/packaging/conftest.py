"""Fixtures of the packaging tests (defined in packaging_helpers.py): the packages built
once per session. Building needs no root (dpkg-deb, rpmbuild): those tests are not
``real``, and where a tool is missing they skip, except under CI, where they fail.
Installing into a scratch root with dpkg or rpm needs root: those tests are ``real``."""

from packaging_helpers import built, built_next  # noqa: F401 - fixtures
