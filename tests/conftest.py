"""Test-wide settings. Hypothesis runs without a per-example deadline: the machines
running this suite are shared and a slow first example is not a failure of the law."""

from hypothesis import settings

settings.register_profile("shared-machine", deadline=None)
settings.load_profile("shared-machine")
