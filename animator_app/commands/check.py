"""``animator check FILE.py:CLASS --against SPEC``: a reader's optimizer class, checked against the book's.

Exit status 0 when it matches for every epoch, 1 at the first epoch where it
differs, 2 when the file, the class or the settings cannot be used.
"""

from animator.testing import DEFAULT_RTOL, check_optimizer

from ..check import EXIT_DIFFERS, load_class
from .options import COMMON, integer, positive
from .registry import Command, Option, register
from .shared import note


def run(options):
    cls = load_class(options.target)
    result = check_optimizer(cls, options.against, epochs=options.epochs, rtol=options.rtol)
    if not options.quiet:
        print(result.summary(), flush=True)
    elif not result.passed:
        note(result.summary())
    return 0 if result.passed else EXIT_DIFFERS


register(Command(
    "check", help="check your own optimizer class against the book's, epoch by epoch",
    description="Import FILE.py, build CLASS with the settings of SPEC under the book's argument names "
                "(learning_rate, decay, momentum, epsilon, rho, beta_1, beta_2), and train the chapter's model "
                "with the built-in optimizer, handing your class the same weights, gradients and state at "
                "every epoch. Exit 0 if its steps match to within float32 rounding for every epoch; exit 1 "
                "at the first epoch where they differ, with the array, the largest difference and the known "
                "mistake it reproduces, if any; exit 2 if the file, class or settings cannot be used. "
                "The file is imported, so keep scripts under if __name__ == '__main__':.",
    options=(
        Option(("target",), "your optimizer: a class with the book's update_params(layer) "
                            "(and pre_/post_update_params), or init(param) and update(grad, state); "
                            ":CLASS may be left out if the file has only one", metavar="FILE.py:CLASS"),
        Option(("--against",), "the book's optimizer and settings, as in compare: sgd:lr=1,decay=1e-3,momentum=0.9, "
                               "adagrad:decay=1e-4, rmsprop:lr=0.02,decay=1e-5,rho=0.999, adam:lr=0.05,decay=5e-7",
               required=True, metavar="SPEC"),
        Option(("--epochs",), "check epochs 0..N (default: %(default)s)", type=integer(0), default=1000, metavar="N",
               arguments=("epochs",)),
        Option(("--rtol",), "allowed difference, relative to the size of each update "
                            "(default: %(default)g, a few float32 roundings)",
               type=positive, default=DEFAULT_RTOL, metavar="X"),
        *COMMON,
    ),
    run=run))
