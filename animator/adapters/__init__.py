"""Adapters that record a PyTorch or Keras model's training as a :class:`~animator.recording.Recording`.

Each is an optional extra and imports its framework only when it is imported
itself, so ``import animator`` never loads torch or keras:

- :mod:`animator.adapters.torch` (``pip install -e '.[torch]'``): :class:`~animator.adapters.torch.TorchRecorder`
  in your own loop, an ``nn.Module``'s ``Linear`` layers;
- :mod:`animator.adapters.keras` (``pip install -e '.[keras]'``):
  :class:`~animator.adapters.keras.RecordingCallback` in ``model.fit``, a model's ``Dense`` layers.

Both predict the decision regions with the model itself, and describe the
framework's optimizer as the book's where the formula is the book's, and as a
custom optimizer where it is not (:func:`~animator.adapters.torch.book_optimizer`).
"""
