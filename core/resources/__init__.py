"""REST endpoints for a host's images, networks, volumes, engine-wide system actions and the
overview dashboard. Views are thin: the work is in core.docker and core.hostmetrics."""
