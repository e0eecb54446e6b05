"""vxha.generators."""
