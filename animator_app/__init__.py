"""The application on top of the engine (:mod:`animator`) and the renderers (:mod:`renderers`).

The command line, ``animator book`` and the declaration of every figure and
scene live here; this is the only package that knows both libraries.
"""
