"""Alert rules, their evaluation on every host sample (state kept in the database), and the
events they record (spec §3.6, §6.3, §6.4, §14.26-30)."""
