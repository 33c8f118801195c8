"""Cron-scheduled container actions (spec §3.8, §7): routes, cron parsing, beat sync, runs."""
