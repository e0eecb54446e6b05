"""The errors every driver raises, real or fake: a module of their own, importing nothing,
because every monitor's driver imports them."""


class DriverError(Exception):
    """A driver operation failed the way the real component fails (error, busy, absent)."""


class DriverUnavailable(DriverError):
    """The component did not answer (daemon down or hung) within the time allowed."""
