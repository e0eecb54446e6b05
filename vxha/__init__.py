"""vxha: highly available containers under Veritas Cluster Server."""

__version__ = "0.1.0"
