"""vxha.agents.drivers."""
