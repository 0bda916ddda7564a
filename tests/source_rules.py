"""The rule tests' one question: where does a member's name appear, spelled out, outside its own module?"""

import io
import os
import tokenize

from paths import ROOT

PACKAGES = ("animator", "animator_app", "renderers")


def spelled(words, *, allowed=()):
    """``["path:line: 'text'"]`` for every string literal in the three packages that is exactly one of ``words``,
    except in the files ``allowed`` (paths relative to the repository)."""
    found = []
    for package in PACKAGES:
        for folder, _, files in os.walk(os.path.join(ROOT, package)):
            for name in files:
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, ROOT)
                if not name.endswith(".py") or relative in allowed:
                    continue
                with open(path, encoding="utf-8") as handle:
                    for token in tokenize.generate_tokens(io.StringIO(handle.read()).readline):
                        if token.type == tokenize.STRING and token.string.strip("'\"") in words:
                            found.append(f"{relative}:{token.start[0]}: {token.string}")
    return found
