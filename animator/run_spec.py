"""What defines a run (:class:`RunConfig`) and what a Recording says about it (:class:`RunSpec`), as values.

A RunSpec is written by :func:`animator.run.make_recording` and saved as JSON
inside the Recording's ``.npz``.  :meth:`RunSpec.to_json` and
:meth:`RunSpec.from_json` are the only way between the two, and ``from_json``
trusts nothing: types, ranges, known keys only, bounded size and depth; what
is wrong is one line (:class:`SpecError`, from the checks in :mod:`animator.spec_checks`).

The file keeps the run's epochs, frames, grid, seed and mode twice (at the top
and in ``config``) so that older readers still find them; in memory each is
held once, in :attr:`RunSpec.config`, and ``from_json`` refuses a file whose
two copies disagree.

>>> spec = RunSpec.from_json(recording.spec.to_json())       # doctest: +SKIP
>>> spec.optimizer.title, spec.config.epochs, spec.status.interrupted   # doctest: +SKIP
('SGD', 10000, False)
"""

import json
from dataclasses import asdict, dataclass, field, fields

from .optimizers import DEFAULT, OptimizerSpec
from .plain import plain
from .source import Source
from .spec_checks import (SpecError, a_dict, a_text, bad, check_keys, is_whole, number, optimizer_of, same,
                          sizes, whole)
from .untrusted import Untrusted, check_depth, load_json

FORMAT = "animator-recording"
FORMAT_VERSION = 3          # the newest this animator reads: 3 adds a recorded run's ``source``
TRAINED_FORMAT_VERSION = 2  # what a run animator trained is written as (its files' bytes are unchanged)
MAX_GRID_RESOLUTION = 2000
MAX_SPEC_BYTES = 1 << 20
RECORD = ("frames", "all")


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run; the defaults are the chapter's.

    ``seed=None`` is book mode: the book's random stream and draw order.
    ``hyperparameters`` use the CLI names (``lr``, ``decay``, ``momentum``,
    ``epsilon``, ``rho``, ``beta1``, ``beta2``); unset ones take the book's defaults.
    ``record="frames"`` keeps every epoch's loss, accuracy and learning rate but
    the layers' arrays only at the frames' epochs; ``record="all"`` keeps those
    arrays for every epoch too (about 5.6 KB an epoch for the chapter's network).
    """

    dataset: str = "spiral"
    samples: int = 100
    classes: int = 3
    data_file: str = None
    hidden: tuple = (64,)
    optimizer: str = DEFAULT
    hyperparameters: dict = field(default_factory=dict)
    epochs: int = 10000
    seed: int = None
    frames: int = 200
    frame_spacing: str = "linear"
    every: int = None
    grid_resolution: int = 160
    grid_padding: float = 0.1
    record: str = "frames"

    @property
    def mode(self):
        return "book" if self.seed is None else "seeded"


# -- the parts of a spec -------------------------------------------------------------------

class _Part:
    """A frozen dataclass whose JSON object (``to_json()``) follows from its fields; equal when that JSON is.

    Equality is the JSON's so that a spec read back from a file equals the one
    saved (a tuple read back as a list, an int as an equal float).  A part is a
    value: change one with :func:`dataclasses.replace`.
    """

    __hash__ = None

    def _json(self):
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_json(self):
        """A plain copy: dicts, lists, strings, numbers, booleans and None."""
        return plain(self._json())

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.to_json() == other.to_json()

    @classmethod
    def from_json(cls, value, where=None):
        where = where or cls.__name__.lower()
        check_keys(a_dict(value, where), where, cls)
        return cls(**value)

    def __reduce__(self):
        # pickled as its JSON and checked again on the way in, as a file's would be (runs cross processes)
        return type(self).from_json, (self.to_json(),)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{f.name}={getattr(self, f.name)!r}' for f in fields(self))})"


@dataclass(frozen=True, eq=False, repr=False)
class Dataset(_Part):
    """The data a run trained on: its name (``csv`` for a file), the file's base name, points and classes."""

    name: str
    file: str
    samples: int
    classes: int

    @classmethod
    def from_json(cls, value, where="dataset"):
        check_keys(value, where, cls)
        return cls(a_text(value["name"], f"{where}.name"), a_text(value["file"], f"{where}.file", none=True),
                   whole(value["samples"], f"{where}.samples", 1), whole(value["classes"], f"{where}.classes", 2))


@dataclass(frozen=True, eq=False, repr=False)
class Architecture(_Part):
    """The network: 2 inputs, the hidden sizes, the classes, each layer's name, activation and output."""

    inputs: int
    hidden: tuple
    classes: int
    layers: tuple
    activation: str = "ReLU"
    output: str = "Softmax + categorical cross-entropy"

    @classmethod
    def from_json(cls, value, where="architecture"):
        check_keys(value, where, cls)
        if value["inputs"] != 2 or isinstance(value["inputs"], bool):
            bad(f"{where}.inputs", "2 inputs")
        hidden = sizes(value["hidden"], f"{where}.hidden")
        layers = value["layers"]
        if not (isinstance(layers, list) and len(layers) == len(hidden) + 1 and all(isinstance(t, str) for t in layers)):
            bad(f"{where}.layers", "one name per layer")
        return cls(2, hidden, whole(value["classes"], f"{where}.classes", 2), tuple(layers),
                   a_text(value["activation"], f"{where}.activation"), a_text(value["output"], f"{where}.output"))


@dataclass(frozen=True, eq=False, repr=False)
class Frames(_Part):
    """How the frames were chosen: at most ``count``, ``spacing`` linear or log, or one ``every`` so many epochs."""

    count: int
    spacing: str
    every: int = None


@dataclass(frozen=True, eq=False, repr=False)
class Grid(_Part):
    """The decision grid: ``resolution`` cells a side, the data's box padded by ``padding`` of its span."""

    resolution: int
    padding: float


@dataclass(frozen=True, eq=False, repr=False)
class Status(_Part):
    """How the run ended: epochs recorded, the epoch it diverged at and why (with its learning rate), Ctrl-C."""

    epochs_recorded: int
    diverged_at: int = None
    divergence_cause: str = None
    divergence_learning_rate: float = None
    interrupted: bool = False

    @classmethod
    def from_json(cls, value, where="status"):
        check_keys(value, where, cls)
        if not isinstance(value["interrupted"], bool):
            bad(f"{where}.interrupted", "true or false")
        rate = value["divergence_learning_rate"]
        if rate is not None and not number(rate):
            bad(f"{where}.divergence_learning_rate", "a number or null")
        return cls(whole(value["epochs_recorded"], f"{where}.epochs_recorded", 0),
                   whole(value["diverged_at"], f"{where}.diverged_at", 0, none=True),
                   a_text(value["divergence_cause"], f"{where}.divergence_cause", none=True), rate,
                   value["interrupted"])


@dataclass(frozen=True, eq=False, repr=False)
class Race(_Part):
    """A race entrant's place: every entrant's optimizer, in order, and this Recording's position among them."""

    entrants: tuple
    position: int

    def _json(self):
        return {"entrants": [entrant.as_dict() for entrant in self.entrants], "position": self.position}

    @classmethod
    def from_json(cls, value, where="race"):
        check_keys(value, where, cls)
        entrants = value["entrants"]
        if not isinstance(entrants, list) or not entrants:
            bad(f"{where}.entrants", "a list of optimizers")
        entrants = tuple(optimizer_of(entrant, f"{where}.entrants", custom=True) for entrant in entrants)
        position = whole(value["position"], f"{where}.position", 0)
        if position >= len(entrants):
            bad(f"{where}.position", f"an entrant's position, below {len(entrants)}")
        return cls(entrants, position)


# -- the spec ---------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class RunSpec(_Part):
    """Everything a Recording says about its run, besides the arrays.

    ``config`` is the :class:`RunConfig` as asked (the data file by base name);
    ``dataset`` and ``architecture`` what it came to (a CSV's points and
    classes); ``optimizer`` every hyper-parameter, defaults filled in;
    ``status`` how it ended; ``versions`` what made it; ``race`` an entrant's
    place, for a race's Recordings.  ``epochs``, ``frames``, ``grid``, ``seed``
    and ``mode`` are read from ``config``.

    ``source`` (a :class:`~animator.source.Source`) is set for a run animator
    did not train but recorded (:mod:`animator.recorder`): its ``config`` then
    holds only the epochs, frames, grid and network it was recorded with, its
    ``mode`` is ``recorded``, and its optimizer may be a
    :class:`~animator.source.CustomOptimizer`.  Such a spec is format 3.
    """

    config: RunConfig
    dataset: Dataset
    architecture: Architecture
    optimizer: OptimizerSpec
    status: Status
    versions: dict = field(default_factory=dict)
    race: Race = None
    format_version: int = TRAINED_FORMAT_VERSION
    source: Source = None

    def __post_init__(self):
        if self.source is not None and self.format_version < 3:
            object.__setattr__(self, "format_version", 3)

    @property
    def recorded(self):
        """Whether animator recorded this run rather than trained it (see :attr:`source`)."""
        return self.source is not None

    @property
    def epochs(self):
        return self.config.epochs

    @property
    def seed(self):
        return self.config.seed

    @property
    def mode(self):
        return "recorded" if self.source is not None else self.config.mode

    @property
    def frames(self):
        return Frames(self.config.frames, self.config.frame_spacing, self.config.every)

    @property
    def grid(self):
        return Grid(self.config.grid_resolution, self.config.grid_padding)

    def _json(self):
        spec = {"format": FORMAT, "format_version": self.format_version, "mode": self.mode, "seed": self.seed,
                "dataset": self.dataset, "architecture": self.architecture, "optimizer": self.optimizer.as_dict(),
                "epochs": self.epochs, "frames": self.frames, "grid": self.grid,
                "config": plain(asdict(self.config)), "status": self.status, "versions": dict(self.versions)}
        if self.race is not None:
            spec["race"] = self.race
        if self.source is not None:
            spec["source"] = self.source.to_json()
        return spec

    def text(self):
        """The JSON text a Recording file stores (keys sorted: the same spec gives the same bytes)."""
        return json.dumps(self.to_json(), sort_keys=True)

    @classmethod
    def from_text(cls, text):
        """:meth:`from_json` of JSON text, refused in one line if it is too big, too deep or not JSON."""
        try:
            value = load_json(text, what="its run spec", max_bytes=MAX_SPEC_BYTES)
        except Untrusted as error:
            raise SpecError(f"not an animator recording ({error})") from None
        return cls.from_json(value)

    @classmethod
    def from_json(cls, value):
        """The RunSpec of a parsed JSON object, every part checked; :class:`SpecError` in one line if not."""
        if not isinstance(value, dict) or value.get("format") != FORMAT:
            raise SpecError("not an animator recording (no run spec inside)")
        try:
            check_depth(value, what="its run spec")
        except Untrusted as error:
            raise SpecError(str(error)) from None
        version = value.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise SpecError(f"unknown recording format_version {version!r}")
        if version > FORMAT_VERSION:
            raise SpecError(f"recording format {version} is newer than this animator understands "
                            f"({FORMAT_VERSION}); upgrade animator")
        known = {"format", "format_version", "mode", "seed", "dataset", "architecture", "optimizer", "epochs",
                 "frames", "grid", "config", "status", "versions", "race", "source"}
        check_keys(value, "", known=known, optional={"race", "source"})
        source = value.get("source")
        if source is not None and version < 3:
            bad("source", f"only in a format 3 recording, not {version}")
        source = None if source is None else Source.from_json(source)
        architecture = Architecture.from_json(a_dict(value["architecture"], "architecture"))
        dataset = Dataset.from_json(a_dict(value["dataset"], "dataset"))
        if dataset.classes != architecture.classes:
            bad("dataset.classes", "the architecture's classes")
        optimizer = optimizer_of(value["optimizer"], "optimizer", custom=source is not None)
        if value["mode"] not in (("recorded",) if source is not None else ("book", "seeded")):
            bad("mode", "recorded" if source is not None else "book or seeded")
        whole(value["epochs"], "epochs", 0)
        frames = a_dict(value["frames"], "frames")
        check_keys(frames, "frames", Frames)
        grid = a_dict(value["grid"], "grid")
        check_keys(grid, "grid", Grid)
        resolution = grid["resolution"]
        if not (is_whole(resolution) and 2 <= resolution <= MAX_GRID_RESOLUTION):
            bad("grid.resolution", f"2 to {MAX_GRID_RESOLUTION}")
        status = Status.from_json(a_dict(value["status"], "status"))
        versions = a_dict(value["versions"], "versions")
        if len(versions) > 16 or not all(isinstance(v, str) and len(v) <= 200 for v in versions.values()):
            bad("versions", "a few package versions")
        race = value.get("race")
        race = None if race is None else Race.from_json(a_dict(race, "race"))
        config = _config(a_dict(value["config"], "config"), version, custom=source is not None)
        spec = cls(config, dataset, architecture, optimizer, status, versions, race, version, source)
        for key in ("mode", "seed", "epochs", "frames", "grid"):
            if not same(value[key], getattr(spec, key)):
                raise SpecError(f"its run spec's {key} disagrees with its config")
        if list(architecture.hidden) != list(config.hidden):
            raise SpecError("its run spec's architecture.hidden disagrees with its config")
        return spec


def _config(value, version, *, custom=False):
    """The stored :class:`RunConfig`, each field checked (a format 1 file has no ``record``)."""
    names = {f.name for f in fields(RunConfig)}
    check_keys(value, "config", known=names, optional={"record"} if version == 1 else ())
    for name in ("dataset", "optimizer", "frame_spacing", "record"):
        if name in value:
            a_text(value[name], f"config.{name}")
    a_text(value["data_file"], "config.data_file", none=True)
    for name in ("samples", "classes"):
        if not is_whole(value[name]):
            bad(f"config.{name}", "a whole number")
    whole(value["epochs"], "config.epochs", 0)
    whole(value["frames"], "config.frames", 1)
    whole(value["every"], "config.every", 1, none=True)
    whole(value["seed"], "config.seed", 0, none=True)
    resolution = value["grid_resolution"]
    if not (is_whole(resolution) and 2 <= resolution <= MAX_GRID_RESOLUTION):
        bad("config.grid_resolution", f"2 to {MAX_GRID_RESOLUTION}")
    if not (number(value["grid_padding"]) and 0 <= value["grid_padding"] <= 10):
        bad("config.grid_padding", "0 to 10")
    if value.get("record", "frames") not in RECORD:
        bad("config.record", " or ".join(RECORD))
    hyper = a_dict(value["hyperparameters"], "config.hyperparameters")
    from .source import CUSTOM

    if not (custom and value["optimizer"] == CUSTOM):    # a recorded run's custom optimizer is the spec's, checked there
        optimizer_of({"name": value["optimizer"], "hyperparameters": hyper}, "config.optimizer")
    return RunConfig(**{**value, "hidden": sizes(value["hidden"], "config.hidden"), "hyperparameters": dict(hyper)})
