"""What defines a run (:class:`RunConfig`) and what a Recording says about it (:class:`RunSpec`), as values.

A RunSpec is written by :func:`animator.run.make_recording` and saved as JSON
inside the Recording's ``.npz``.  :meth:`RunSpec.to_json` and
:meth:`RunSpec.from_json` are the only way between the two, and ``from_json``
trusts nothing: types, ranges, known keys only, bounded size and depth; what
is wrong is one line (:class:`SpecError`).

The file keeps the run's epochs, frames, grid, seed and mode twice (at the top
and in ``config``) so that older readers still find them; in memory each is
held once, in :attr:`RunSpec.config`, and ``from_json`` refuses a file whose
two copies disagree.

>>> spec = RunSpec.from_json(recording.spec.to_json())       # doctest: +SKIP
>>> spec.optimizer.title, spec.config.epochs, spec.status.interrupted   # doctest: +SKIP
('SGD', 10000, False)
"""

import json
import math
from dataclasses import asdict, dataclass, field, fields

from .errors import UserError
from .optimizers import DEFAULT, OptimizerSpec, make_optimizer
from .plain import plain
from .untrusted import Untrusted, check_depth, load_json

FORMAT = "animator-recording"
FORMAT_VERSION = 2
MAX_GRID_RESOLUTION = 2000
MAX_SPEC_BYTES = 1 << 20
RECORD = ("frames", "all")


class SpecError(UserError):
    """A run spec that does not verify, said in one line."""


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

class _Part(dict):
    """A frozen dataclass that is also its own JSON object (``to_json()``, fixed when it is made).

    Code and files outside the engine read a spec as JSON (``spec["optimizer"]``,
    ``json.dumps(spec)``, ``dict(spec)``); being that dict keeps them working
    while the engine reads attributes.  Equality is the JSON's.
    """

    __hash__ = None

    def __post_init__(self):
        dict.update(self, {key: value if isinstance(value, _Part) else plain(value)
                           for key, value in self._json().items()})

    def _json(self):
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_json(self):
        """A plain copy: dicts, lists, strings, numbers, booleans and None."""
        return plain(dict(self))

    @classmethod
    def from_json(cls, value, where=None):
        where = where or cls.__name__.lower()
        _keys(_dict(value, where), where, cls)
        return cls(**value)

    def __reduce__(self):
        # pickled as its JSON and checked again on the way in, as a file's would be (runs cross processes)
        return type(self).from_json, (self.to_json(),)

    def __setitem__(self, key, value):
        # Kept for callers that still assign into a spec (a race marks its entrants, a test
        # marks a run interrupted); the result is checked as a file's would be, and replaces
        # every field, so attributes and items stay one value.
        fresh = type(self).from_json({**self.to_json(), key: plain(value)})
        for f in fields(self):
            object.__setattr__(self, f.name, getattr(fresh, f.name))
        dict.clear(self)
        dict.update(self, fresh)

    def _refuse(self, *args, **kwargs):
        raise TypeError(f"a {type(self).__name__} is a value; make a new one with dataclasses.replace")

    __delitem__ = pop = popitem = clear = update = setdefault = _refuse

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
        _keys(value, where, cls)
        return cls(_text(value["name"], f"{where}.name"), _text(value["file"], f"{where}.file", none=True),
                   _whole(value["samples"], f"{where}.samples", 1), _whole(value["classes"], f"{where}.classes", 2))


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
        _keys(value, where, cls)
        if value["inputs"] != 2 or isinstance(value["inputs"], bool):
            _bad(f"{where}.inputs", "2 inputs")
        hidden = _sizes(value["hidden"], f"{where}.hidden")
        layers = value["layers"]
        if not (isinstance(layers, list) and len(layers) == len(hidden) + 1 and all(isinstance(t, str) for t in layers)):
            _bad(f"{where}.layers", "one name per layer")
        return cls(2, hidden, _whole(value["classes"], f"{where}.classes", 2), tuple(layers),
                   _text(value["activation"], f"{where}.activation"), _text(value["output"], f"{where}.output"))


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
        _keys(value, where, cls)
        if not isinstance(value["interrupted"], bool):
            _bad(f"{where}.interrupted", "true or false")
        rate = value["divergence_learning_rate"]
        if rate is not None and not _number(rate):
            _bad(f"{where}.divergence_learning_rate", "a number or null")
        return cls(_whole(value["epochs_recorded"], f"{where}.epochs_recorded", 0),
                   _whole(value["diverged_at"], f"{where}.diverged_at", 0, none=True),
                   _text(value["divergence_cause"], f"{where}.divergence_cause", none=True), rate,
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
        _keys(value, where, cls)
        entrants = value["entrants"]
        if not isinstance(entrants, list) or not entrants:
            _bad(f"{where}.entrants", "a list of optimizers")
        entrants = tuple(_optimizer(entrant, f"{where}.entrants") for entrant in entrants)
        position = _whole(value["position"], f"{where}.position", 0)
        if position >= len(entrants):
            _bad(f"{where}.position", f"an entrant's position, below {len(entrants)}")
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
    """

    config: RunConfig
    dataset: Dataset
    architecture: Architecture
    optimizer: OptimizerSpec
    status: Status
    versions: dict = field(default_factory=dict)
    race: Race = None
    format_version: int = FORMAT_VERSION

    @property
    def epochs(self):
        return self.config.epochs

    @property
    def seed(self):
        return self.config.seed

    @property
    def mode(self):
        return self.config.mode

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
        return spec

    def text(self):
        """The JSON text a Recording file stores (keys sorted: the same spec gives the same bytes)."""
        return json.dumps(self, sort_keys=True)

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
                 "frames", "grid", "config", "status", "versions", "race"}
        _keys(value, "", known=known, optional={"race"})
        architecture = Architecture.from_json(_dict(value["architecture"], "architecture"))
        dataset = Dataset.from_json(_dict(value["dataset"], "dataset"))
        if dataset.classes != architecture.classes:
            _bad("dataset.classes", "the architecture's classes")
        optimizer = _optimizer(value["optimizer"], "optimizer")
        if value["mode"] not in ("book", "seeded"):
            _bad("mode", "book or seeded")
        _whole(value["epochs"], "epochs", 0)
        frames = _dict(value["frames"], "frames")
        _keys(frames, "frames", Frames)
        grid = _dict(value["grid"], "grid")
        _keys(grid, "grid", Grid)
        resolution = grid["resolution"]
        if not (_is_whole(resolution) and 2 <= resolution <= MAX_GRID_RESOLUTION):
            _bad("grid.resolution", f"2 to {MAX_GRID_RESOLUTION}")
        status = Status.from_json(_dict(value["status"], "status"))
        versions = _dict(value["versions"], "versions")
        if len(versions) > 16 or not all(isinstance(v, str) and len(v) <= 200 for v in versions.values()):
            _bad("versions", "a few package versions")
        race = value.get("race")
        race = None if race is None else Race.from_json(_dict(race, "race"))
        config = _config(_dict(value["config"], "config"), version)
        spec = cls(config, dataset, architecture, optimizer, status, versions, race, version)
        for key in ("mode", "seed", "epochs", "frames", "grid"):
            if not _same(value[key], spec[key]):
                raise SpecError(f"its run spec's {key} disagrees with its config")
        if list(architecture.hidden) != list(config.hidden):
            raise SpecError("its run spec's architecture.hidden disagrees with its config")
        return spec


def _config(value, version):
    """The stored :class:`RunConfig`, each field checked (a format 1 file has no ``record``)."""
    names = {f.name for f in fields(RunConfig)}
    _keys(value, "config", known=names, optional={"record"} if version == 1 else ())
    for name in ("dataset", "optimizer", "frame_spacing", "record"):
        if name in value:
            _text(value[name], f"config.{name}")
    _text(value["data_file"], "config.data_file", none=True)
    for name in ("samples", "classes"):
        if not _is_whole(value[name]):
            _bad(f"config.{name}", "a whole number")
    _whole(value["epochs"], "config.epochs", 0)
    _whole(value["frames"], "config.frames", 1)
    _whole(value["every"], "config.every", 1, none=True)
    _whole(value["seed"], "config.seed", 0, none=True)
    resolution = value["grid_resolution"]
    if not (_is_whole(resolution) and 2 <= resolution <= MAX_GRID_RESOLUTION):
        _bad("config.grid_resolution", f"2 to {MAX_GRID_RESOLUTION}")
    if not (_number(value["grid_padding"]) and 0 <= value["grid_padding"] <= 10):
        _bad("config.grid_padding", "0 to 10")
    if value.get("record", "frames") not in RECORD:
        _bad("config.record", " or ".join(RECORD))
    hyper = _dict(value["hyperparameters"], "config.hyperparameters")
    _optimizer({"name": value["optimizer"], "hyperparameters": hyper}, "config.optimizer")
    return RunConfig(**{**value, "hidden": _sizes(value["hidden"], "config.hidden"), "hyperparameters": dict(hyper)})


# -- checks, each failing in one line ---------------------------------------------------------

def _bad(where, what):
    raise SpecError(f"its run spec has no valid {where} ({what})")


def _keys(value, where, part=None, *, known=None, optional=()):
    """Refuse a missing or an unexpected key of ``value`` (a part's fields, or ``known``)."""
    if known is None:
        known = {f.name for f in fields(part)}
    for key in value:
        if key not in known:
            raise SpecError(f"its run spec has an unexpected key {str(key)[:40]!r}" + (f" in {where}" if where else ""))
    for key in sorted(known - set(value) - set(optional)):
        _bad(f"{where}.{key}" if where else key, "missing")


def _dict(value, where):
    if not isinstance(value, dict):
        _bad(where, "a dict")
    return value


def _is_whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _whole(value, where, low, *, none=False):
    if (value is None and none) or (_is_whole(value) and value >= low):
        return value
    _bad(where, f"a whole number from {low}" + (" or null" if none else ""))


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _text(value, where, *, none=False):
    if (value is None and none) or isinstance(value, str):
        return value
    _bad(where, "a text" + (" or null" if none else ""))


def _sizes(value, where):
    if isinstance(value, list) and value and all(_is_whole(h) and h >= 1 for h in value):
        return tuple(value)
    _bad(where, "a list of positive sizes")


def _optimizer(value, where):
    """An :class:`OptimizerSpec` this animator can build, from ``{"name": ..., "hyperparameters": ...}``."""
    value = _dict(value, where)
    _keys(value, where, known={"name", "hyperparameters"})
    name, hyper = _text(value["name"], f"{where}.name"), _dict(value["hyperparameters"], f"{where}.hyperparameters")
    if not all(_number(v) for v in hyper.values()):
        _bad(f"{where}.hyperparameters", "numbers")
    try:
        make_optimizer(name, **hyper)
    except (ValueError, TypeError) as error:
        message = str(error).strip().splitlines()
        raise SpecError(f"its run spec has an optimizer this animator cannot make "
                        f"({message[0] if message else type(error).__name__})") from None
    return OptimizerSpec(name, hyper)


def _same(stored, derived):
    return plain(stored) == plain(derived)
