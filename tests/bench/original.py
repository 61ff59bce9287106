#!/usr/bin/python3
"""original.py - the thumbnailer thumper replaces, kept as the baseline.

    original.py SRC DEST [--width 200] [--height 200] [--workers N]

Before thumper, thumbnails were made by a short Python program: a
multiprocessing pool of N Pillow workers, fed from a walk of SRC, each
task opening one picture, shrinking it to fit WIDTHxHEIGHT and saving it
under the same relative path in DEST.  This file is that program, written
down again so the repository can measure against it (`make bench` runs it
as the "seed" contender, with --workers set to thumper's -j).

It is the baseline because it is what thumper has to beat: whatever
thumper does - long-lived sandboxed workers, libvips' shrink-on-load, a
JPEG decode that reads only the scans it needs - it must do the same job
faster than this, on the same machine, at the same N (doc/design.md §9:
ahead of it on every format, ≥ 1.3× on the JPEG corpus, ≥ 2× on PNG and
TIFF).  It is a strong
baseline on JPEG: Pillow's draft mode lets libjpeg-turbo decode at a
reduced DCT scale, so on baseline JPEGs this program runs at about the
speed of a bare decode.

Keep it as plain as the original, warts included, or the comparison
stops meaning anything:

- Pool.starmap_async() turns the task generator into a list before it
  dispatches anything, so the whole walk happens up front;
- every file under SRC is a task, whatever its name, and the thumbnail
  keeps the source's name (so its format follows the extension);
- no rotation from EXIF, no colour management, no temporary file;
- the first failing file aborts the run: result.get() raises its
  exception, and the exit status is 1 with a traceback.

Exit status 0 when every file was thumbnailed.
"""
import argparse
import os
import sys
from multiprocessing import Pool

from PIL import Image


def thumbnail_one(src, dest, width, height):
    """One task, run in a pool worker."""
    picture = Image.open(src)
    picture.thumbnail((width, height))
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    picture.save(dest)


def jobs(src_top, dest_top, width, height):
    """(src, dest, width, height) for every file under SRC_TOP, DEST
    mirroring its place below SRC_TOP."""
    for folder, _subfolders, names in os.walk(src_top):
        below = os.path.relpath(folder, src_top)
        for name in names:
            yield (os.path.join(folder, name),
                   os.path.normpath(os.path.join(dest_top, below, name)),
                   width, height)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Thumbnail every picture under SRC into DEST with a "
        "pool of Pillow workers (the program thumper replaces).")
    ap.add_argument("src", metavar="SRC")
    ap.add_argument("dest", metavar="DEST")
    ap.add_argument("--width", type=int, default=200)
    ap.add_argument("--height", type=int, default=200)
    ap.add_argument("--workers", type=int, default=os.cpu_count(),
                    help="pool size (default: one per CPU)")
    a = ap.parse_args(argv)
    with Pool(a.workers) as pool:
        result = pool.starmap_async(
            thumbnail_one, jobs(a.src, a.dest, a.width, a.height))
        result.get()        # waits for all; raises the first failure
    return 0


if __name__ == "__main__":
    sys.exit(main())
