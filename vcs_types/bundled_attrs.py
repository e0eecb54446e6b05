"""Shorthands the built-in declarations of Veritas's type files are written with."""

from __future__ import annotations

from vxha.vcs_types.decl import Attr, TypeDecl


def type_decl(name, doc, attrs, arglist=None, statics=None):
    return TypeDecl(name, attrs, arglist=arglist, statics=statics, doc=doc)


def str_attr(name, **kw):
    return Attr(name, "str", **kw)


def int_attr(name, default=0, **kw):
    return Attr(name, "int", default=default, **kw)


def bool_attr(name, default=0, **kw):
    return Attr(name, "boolean", default=default, **kw)
