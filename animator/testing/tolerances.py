"""A recording snapshot's default tolerances and kept epochs.

Their own module, free of numpy, because the pytest plugin's options read them
when pytest starts in any project where animator is installed.
"""

RTOL = 1e-5            # numpy.isclose's defaults, as pytest-regressions uses them
ATOL = 1e-8
LAYER_EPOCHS = 50      # layer arrays kept at this many epochs by default
