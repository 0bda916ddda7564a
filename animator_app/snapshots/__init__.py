"""The snapshot fixtures' parts; pytest loads them through :mod:`animator_app.pytest_plugin`.

:mod:`.options` (flags and ini options), :mod:`.files` (where snapshots go, their
names and PNG files), :mod:`.report` (the session's summary), :mod:`.frames`
(drawing, reading back and comparing frames), :mod:`.recording` and :mod:`.frame`
(the two fixtures).
"""
