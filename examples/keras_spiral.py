"""Fit a Keras 3 model to the chapter's spiral, and animate the fit.

    pip install -e '.[keras,torch]'
    KERAS_BACKEND=torch python examples/keras_spiral.py -o keras_spiral.gif     # 1,000 epochs

One callback records the fit (marked ``# animator``). The model is the chapter's
shape, 2 -> 64 -> 3 with ReLU and softmax, fitted full-batch as in the book with
``keras.optimizers.SGD(learning_rate=1.0, momentum=0.9)`` and an
``InverseTimeDecay`` schedule: the book's SGD with decay 1e-3 and momentum 0.9
(Figure 19), which the recording says it is. Without ``KERAS_BACKEND`` set, this
script uses the torch backend.
"""

import argparse
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402 - the backend is chosen before keras is imported
import numpy as np  # noqa: E402

from animator.adapters.keras import RecordingCallback  # noqa: E402
from animator.datasets import spiral  # noqa: E402
from renderers import render  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="keras_spiral.gif", help="the animation (default keras_spiral.gif)")
    parser.add_argument("--epochs", type=int, default=1000, help="the last epoch (default 1000)")
    parser.add_argument("--frames", type=int, default=60, help="frames of the animation (default 60)")
    args = parser.parse_args(argv)

    if keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(1)           # a model this small runs fastest on one thread
    keras.utils.set_random_seed(0)
    X, y = spiral(100, 3, rng=np.random.default_rng(0))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    schedule = keras.optimizers.schedules.InverseTimeDecay(1.0, decay_steps=1, decay_rate=1e-3)
    model.compile(optimizer=keras.optimizers.SGD(schedule, momentum=0.9),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    callback = RecordingCallback(X, y, frames=args.frames, dataset="spiral")                  # animator
    model.fit(X, y, epochs=args.epochs + 1, batch_size=len(X), shuffle=False, verbose=0,
              callbacks=[callback])                                                            # animator
    recording = callback.recording
    print(f"loss {recording.loss[-1]:.3f}, accuracy {recording.accuracy[-1]:.3f}")

    render(recording, args.output, size=(480, 270), fps=12)
    print(f"{recording.spec.optimizer.title}: {args.output}")


if __name__ == "__main__":
    main()
