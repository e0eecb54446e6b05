"""vxha.profiles."""
