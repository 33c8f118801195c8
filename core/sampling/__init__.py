"""Host sampling: the sampler writes the latest per-host snapshot; readers never call an engine."""
