"""Expo push notifications (spec §3.2, §6.7, §14.31): device registration and `notify`."""
