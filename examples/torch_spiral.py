"""Train a PyTorch MLP on the chapter's spiral with Adam, and animate the run.

    pip install -e '.[torch]'
    python examples/torch_spiral.py -o torch_spiral.gif            # 1,000 epochs, about 10 s

The loop is an ordinary full-batch torch loop; three lines record it (marked
``# animator``). The model is the chapter's shape, 2 -> 64 -> 3 with ReLU, trained
with ``torch.optim.Adam(lr=0.02)``, which the recording describes as the book's
Adam (the formula is the same; torch's epsilon default is 1e-8, the book's 1e-7).
"""

import argparse

import numpy as np
import torch

from animator.adapters.torch import TorchRecorder
from animator.datasets import spiral
from renderers import render


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="torch_spiral.gif", help="the animation (default torch_spiral.gif)")
    parser.add_argument("--epochs", type=int, default=1000, help="the last epoch (default 1000)")
    parser.add_argument("--frames", type=int, default=60, help="frames of the animation (default 60)")
    args = parser.parse_args(argv)

    torch.set_num_threads(1)               # a model this small runs fastest on one thread
    torch.manual_seed(0)
    X, y = spiral(100, 3, rng=np.random.default_rng(0))
    X, y = torch.as_tensor(X), torch.as_tensor(y)
    model = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    loss_function = torch.nn.CrossEntropyLoss()

    recorder = TorchRecorder(model, X, y, optimizer, epochs=args.epochs, frames=args.frames,   # animator
                             dataset="spiral")
    for epoch in range(args.epochs + 1):
        optimizer.zero_grad()
        output = model(X)
        loss = loss_function(output, y)
        recorder.epoch(loss, output)                                                            # animator
        loss.backward()
        optimizer.step()
        if epoch % 200 == 0:
            print(f"epoch {epoch}, loss {loss.item():.3f}")
    recording = recorder.finish()                                                               # animator

    render(recording, args.output, size=(480, 270), fps=12)
    print(f"{recording.spec.optimizer.title}: {args.output}")


if __name__ == "__main__":
    main()
