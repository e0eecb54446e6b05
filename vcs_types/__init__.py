"""vxha.vcs_types."""
