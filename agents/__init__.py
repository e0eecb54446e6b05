"""vxha.agents."""
