"""Host figures (SystemMetrics) read from procfs under PROC_PATH and a configurable disk mount.
Pure file reads: no Docker, no subprocess."""
