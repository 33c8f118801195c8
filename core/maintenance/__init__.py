"""Maintenance mode of an organisation (spec §3.2, §6.6): while on, alert rules are not
evaluated and Container Down / crash-loop notifications are suppressed. Kept in the database
(the original lost it on restart)."""
