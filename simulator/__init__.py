"""vxha.simulator."""
