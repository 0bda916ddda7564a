"""Helpers of the deck and Beamer tests: real readers (LibreOffice, pdflatex, poppler) and pictures to compare."""

import io
import os
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

EMU_PER_INCH = 914400
NO_SOFFICE = "LibreOffice (soffice) is not installed: apt-get install libreoffice-impress"
NO_POPPLER = "poppler's pdftoppm is not installed: apt-get install poppler-utils"
NO_LATEX = "pdflatex with the animate package is not installed: apt-get install texlive-latex-extra"


def has_latex():
    if shutil.which("pdflatex") is None or shutil.which("kpsewhich") is None:
        return False
    found = subprocess.run(["kpsewhich", "animate.sty", "beamer.cls"], capture_output=True, text=True)
    return len(found.stdout.split()) == 2


needs_office = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                                  reason=NO_SOFFICE if shutil.which("soffice") is None else NO_POPPLER)
needs_latex = pytest.mark.skipif(not has_latex() or shutil.which("pdftoppm") is None,
                                 reason=NO_LATEX if not has_latex() else NO_POPPLER)


def libreoffice_pdf(deck, folder):
    """Convert the deck with LibreOffice (a private profile, so runs never share one); the PDF's path."""
    profile = os.path.join(folder, "lo-profile")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(deck)], check=True, capture_output=True, timeout=300)
    pdf = os.path.join(folder, os.path.splitext(os.path.basename(deck))[0] + ".pdf")
    assert os.path.isfile(pdf), f"LibreOffice wrote no PDF of {deck}"
    return pdf


def pdflatex(source):
    """Compile the .tex ``source`` twice in its folder (animate writes positions to the .aux); the PDF's path."""
    folder, name = os.path.split(os.path.abspath(source))
    for _ in range(2):
        done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", name],
                              cwd=folder, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:]
    return os.path.splitext(os.path.abspath(source))[0] + ".pdf"


def page_pixels(pdf, page, dpi):
    """Page ``page`` (1-based) of ``pdf`` drawn by poppler at ``dpi``, as an (H, W, 3) uint8 array."""
    drawn = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", pdf],
                           check=True, capture_output=True, timeout=120).stdout
    with Image.open(io.BytesIO(drawn)) as image:
        return np.asarray(image.convert("RGB"))


def scaled(picture, region):
    """``picture`` (a Pillow image) scaled to the size of the pixels ``region``, as floats."""
    height, width = region.shape[:2]
    return np.asarray(picture.convert("RGB").resize((width, height), Image.BILINEAR)).astype(float)


def difference(region, picture):
    """Mean absolute difference (0-255) between ``region`` and ``picture`` (any size) scaled to the region."""
    return float(np.abs(region.astype(float) - scaled(picture, region)).mean())


def closer_to(region, chosen, other):
    """``(to chosen, to other)``: mean differences of ``region`` from two pictures, over the pixels where those
    two differ clearly (a ball moved, a region changed colour), so a small change between them still tells."""
    near, far = scaled(chosen, region), scaled(other, region)
    changed = np.abs(near - far).max(axis=2) > 60
    assert changed.sum() > 50, "the two pictures hardly differ"
    pixels = region.astype(float)[changed]
    return float(np.abs(pixels - near[changed]).mean()), float(np.abs(pixels - far[changed]).mean())


def frame_of(path, index):
    """Frame ``index`` (-1: the last) of a GIF, PNG or MP4, as a Pillow image."""
    if path.endswith(".mp4"):
        import imageio_ffmpeg

        reader = imageio_ffmpeg.read_frames(path)
        meta = next(reader)
        width, height = meta["size"]
        decoded = [np.frombuffer(data, np.uint8).reshape(height, width, 3).copy() for data in reader]
        return Image.fromarray(decoded[index])
    with Image.open(path) as image:
        count = getattr(image, "n_frames", 1)
        image.seek(index % count)
        return image.convert("RGB")


def solid_gif(path, colours, size=(320, 180)):
    """A GIF whose frames are each one colour: what a page shows of it is plain from any pixel."""
    frames = [Image.new("RGB", size, colour) for colour in colours]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return path
