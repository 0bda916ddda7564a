"""``animator book``: every figure of the chapter, regenerated into one folder with a gallery.

Each figure is a *job*: a scene (see :mod:`animator_app.scenes`) taken from
the chapter's table (:mod:`animator.chapter`), computed and written under a
stable, descriptive file name, so slides can link to it.  Jobs run in a pool
of worker processes, one per core; a failing job is reported while the rest go on.

The book redoes only what changed, with two records in its cache folder
(``OUT/.animator-cache/`` unless given another):

* ``runs/``: every training run's Recording (a race's, one per entrant), keyed
  by its full RunConfig (and a race's entrants) and the engine's versions and
  code (:mod:`animator.cache`), so a change of theme, size, rate or format
  trains nothing;
* ``jobs/``: for each job, a key made of its definition in the chapter's
  table, every book option (the command line included, since every file
  carries it) and the versions and code of everything that draws and encodes,
  with the SHA-256 of each file it wrote.  When the key is the same and every
  file is still there with those bytes, the job is not run at all: the same
  inputs make the same bytes, so there is nothing to redo.

``force=True`` reads neither (everything is computed again) but writes both.
Entries are written atomically, manifests last.

The cache folder is data, never authority: it may be shared or edited.  A
job's record is read bounded in size and depth and checked against its
schema; the files it must list are the ones the job writes (from the job
table, not from the record), each must be in the folder with the bytes
recorded; and the gallery links only to the files the book writes, by plain
relative name from the job table.  A record that does not verify (damaged,
tampered, too deep) is made again with one note, never trusted.

The package: :mod:`.options` (the book's options and up-front checks), :mod:`.table`
(the jobs), :mod:`.runs` (the cache of runs), :mod:`.records` (job records, verified),
:mod:`.run` (the pool) and :mod:`.gallery` (``index.html``).  ``jobs`` and
``smallest_description`` are looked up here at each call, so a stand-in put here is the one used.
"""

from .gallery import PLAIN_NAME, linkable, write_gallery
from .options import FORMATS, STILL, BookOptions, animation_name, check_book_options, smallest_description, still_name
from .records import MAX_RECORD_BYTES, MAX_RECORD_DEPTH, MAX_TEXT, read_record
from .run import CACHE_FOLDER, make_book, remake
from .runs import render_versions
from .table import Job, Output, gallery_names, jobs, written_names
from .table import _descent_job  # noqa: F401  (tests build one job of the table with it)

__all__ = ["BookOptions", "CACHE_FOLDER", "FORMATS", "Job", "MAX_RECORD_BYTES", "MAX_RECORD_DEPTH", "MAX_TEXT", "Output",
           "PLAIN_NAME", "STILL", "animation_name", "check_book_options", "gallery_names", "jobs", "linkable",
           "make_book", "read_record", "remake", "render_versions", "smallest_description", "still_name",
           "write_gallery", "written_names"]
