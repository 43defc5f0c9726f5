"""Draw the synthetic Cityscapes-format sample in ``cityscapes_sample/`` (not taken from Cityscapes).

Two street scenes of 64x128 px drawn from rectangles and one slanted kerb: road, sidewalk, building,
vegetation or terrain, sky, a traffic sign, car (and person) instances — two cars touch, so only the
instance map separates them — a pole 2 px wide in one scene and 1 px wide in the other, and pixels
of labels whose trainId is 255 (ego vehicle, static, unlabeled, rectification border). Each scene is
written in the Cityscapes ``gtFine`` formats:

* ``<name>_gtFine_labelIds.png``: 8-bit label ids;
* ``<name>_gtFine_trainIds.png``: 8-bit trainIds (255 = ignore);
* ``<name>_gtFine_instanceIds.png``: 16-bit, ``id * 1000 + k`` (k = 0, 1, ... per class and image) on
  instances of classes with instances, the label id elsewhere.

The (labelId, trainId) pairs below are typed in by hand from the Cityscapes definitions, so the test
that maps the labelIds through :mod:`genai.labelsets`' table and compares with the trainIds file checks
one against the other. Run ``python scenarios/gesco/data/make_cityscapes_sample.py [--out DIR]``;
the output is deterministic (no randomness).

.. code-block:: python

    >>> lab, train, inst = draw_scene(0)
    >>> lab.shape, int(lab[0, 60]), int(train[0, 60]), int(inst.max())
    ((64, 128), 23, 10, 26002)
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Sequence

import numpy as np

__all__ = ["CLASSES", "SCENES", "SIZE", "draw_scene", "scene_name", "write_sample"]

#: Image size (H, W).
SIZE = (64, 128)
#: name -> (labelId, trainId, has instances).
CLASSES: dict[str, tuple[int, int, bool]] = {
    "unlabeled": (0, 255, False), "ego vehicle": (1, 255, False), "rectification border": (2, 255, False),
    "static": (4, 255, False), "road": (7, 0, False), "sidewalk": (8, 1, False), "building": (11, 2, False),
    "pole": (17, 5, False), "traffic sign": (20, 7, False), "vegetation": (21, 8, False),
    "terrain": (22, 9, False), "sky": (23, 10, False), "person": (24, 11, True), "car": (26, 13, True),
}
#: Per scene, the shapes painted in order: (class, rows [r0, r1), cols [c0, c1)); "kerb" is the
#: slanted sidewalk edge (pixels below the line row = 40 + col / 8 from ``c0`` on).
SCENES: tuple[tuple[tuple[str, int, int, int, int], ...], ...] = (
    (("sky", 0, 20, 0, 128), ("building", 8, 36, 0, 40), ("building", 4, 36, 70, 128),
     ("vegetation", 20, 36, 40, 70), ("sidewalk", 36, 44, 0, 128), ("road", 44, 64, 0, 128),
     ("pole", 10, 44, 50, 52), ("traffic sign", 8, 14, 48, 54), ("static", 30, 36, 110, 118),
     ("car", 40, 53, 10, 34), ("car", 42, 55, 34, 56), ("car", 46, 59, 80, 106),
     ("ego vehicle", 60, 64, 0, 128)),
    (("sky", 0, 24, 0, 128), ("building", 6, 40, 0, 56), ("terrain", 24, 40, 56, 128),
     ("road", 40, 64, 0, 128), ("kerb", 40, 64, 64, 128), ("pole", 12, 46, 90, 91),
     ("person", 30, 46, 70, 76), ("person", 32, 47, 77, 82), ("car", 44, 58, 12, 44),
     ("unlabeled", 0, 3, 100, 128), ("rectification border", 0, 64, 0, 2)),
)


def scene_name(index: int) -> str:
    """The Cityscapes-style stem of scene ``index`` (city ``synthetic``)."""
    return f"synthetic_{index:06d}_000019"


def draw_scene(index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scene ``index`` -> (labelIds uint8, trainIds uint8, instanceIds uint16), each ``[64, 128]``."""
    h, w = SIZE
    lab = np.zeros((h, w), np.uint8)
    train = np.full((h, w), 255, np.uint8)
    inst = np.zeros((h, w), np.uint16)
    count: dict[str, int] = {}
    rows, cols = np.mgrid[0:h, 0:w]
    for name, r0, r1, c0, c1 in SCENES[index]:
        region = (rows >= r0) & (rows < r1) & (cols >= c0) & (cols < c1)
        if name == "kerb":
            name, region = "sidewalk", region & (rows >= 40 + (cols - c0) // 8)
        label_id, train_id, instances = CLASSES[name]
        lab[region], train[region] = label_id, train_id
        if instances:
            inst[region] = label_id * 1000 + count.get(name, 0)
            count[name] = count.get(name, 0) + 1
        else:
            inst[region] = label_id
    return lab, train, inst


def write_sample(folder: os.PathLike | str, scenes: Sequence[int] = (0, 1)) -> list[str]:
    """Write the PNGs of ``scenes`` into ``folder`` (created); the paths written."""
    from PIL import Image

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i in scenes:
        lab, train, inst = draw_scene(i)
        for tail, arr in (("labelIds", lab), ("trainIds", train), ("instanceIds", inst)):
            path = out / f"{scene_name(i)}_gtFine_{tail}.png"
            Image.fromarray(arr).save(path, optimize=True)
            written.append(str(path))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parent / "cityscapes_sample"))
    for path in write_sample(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
