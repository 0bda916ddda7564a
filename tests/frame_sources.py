"""Frame sources the tests share: :class:`Stripes` for the writers (frame i a red bar on white, in exactly two
colours), and :func:`learning_rate_runs` for Figure 14's loss curves."""

import numpy as np


class Stripes:
    """``count`` frames of 64x32; frame i has a ``bar``-pixel-wide bar at column ``bar * i``, at epoch ``step * i``."""

    size = (64, 32)

    def __init__(self, count=10, *, step=10, bar=4):
        self.epochs = np.arange(count) * step
        self.bar = bar

    def __len__(self):
        return len(self.epochs)

    def frame(self, index):
        image = np.full((32, 64, 3), 255, dtype=np.uint8)
        image[:, self.bar * index:self.bar * (index + 1)] = (200, 30, 40)
        return image

    def colours(self):
        return np.array([[255, 255, 255], [200, 30, 40]], dtype=np.uint8)


def learning_rate_runs(epochs=60):
    """Figure 14's runs, short: ``(recordings, labels)``, one per learning rate of the chapter's table."""
    from animator import RunConfig, train
    from animator.chapter import LEARNING_RATES

    recordings, labels = [], []
    for label, spec in LEARNING_RATES.optimizers():
        recordings.append(train(RunConfig(hyperparameters=dict(spec.hyperparameters), epochs=epochs, frames=1,
                                          grid_resolution=2)))
        labels.append(f"{label}: lr={spec.hyperparameters['lr']}")
    return recordings, labels
