"""vxha.cli."""
