"""Settings for the processes of test_beat.py: the real settings (DATA_DIR from the
environment) with every table created from the models, as the suite's --no-migrations does."""

from cockpit.settings import *  # noqa: F403


class _NoMigrations(dict):
    def __contains__(self, app_label) -> bool:
        return True

    def __getitem__(self, app_label):
        return None


MIGRATION_MODULES = _NoMigrations()
