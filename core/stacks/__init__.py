"""Compose stacks: the label-derived groups of the original plus real compose deployments."""
