r"""Real label-map inputs for the GESCO study: Cityscapes ``labelIds`` / ``trainIds`` PNGs, indexed
(ADE20K / COCO-Stuff style) PNGs with a palette file, RGB colour maps through a palette, an ignore
index, and the instance-edge plane of GESCO's released code. NumPy and Pillow only (no torch at import).

* **Cityscapes** (Cordts et al., CVPR 2016). ``*_gtFine_labelIds.png`` holds the label ids 0..33 (the
  ``license plate`` label, id −1, is never drawn into it); GESCO, like SPADE, one-hots them as
  :data:`CITYSCAPES_LABELID_CLASSES` = 35 classes (``num_classes=35`` in its ``image_sample.py``), with
  no ignored pixel. ``*_gtFine_trainIds.png`` holds the 19 evaluation classes and 255 for every id
  whose trainId is 255 (the ids "ignored in evaluation"). :data:`CITYSCAPES_LABELS` is the official
  table, written out as data from ``cityscapesscripts/helpers/labels.py`` of
  https://github.com/mcordts/cityscapesScripts (commit ``0bcc4a72549590fd80d71d8465be3a0c4b1c06e8``;
  an altered copy of that file with lane-line labels 34..45 circulates: it is not the one used here).
  ``*_gtFine_instanceIds.png`` (16 bit): ``id * 1000 + k`` (k = 0, 1, ... per image) for the pixels of
  an instance of a class with instances, the plain label id elsewhere.
* **Indexed maps** (``kind="indexed"``): a ``P`` (the indices, its embedded palette is not consulted),
  ``L`` or 16-bit PNG of class indices, or an RGB image whose colours are looked up in the palette
  (:func:`rgb_to_labels`). With a palette of N colours the classes are ``0..N-1``; without one,
  ``0..max``. COCO-Stuff's ``stuffthingmaps`` (0..181, 255 unlabeled) read as they are.
  ``kind="ade20k"``: ADE20K SceneParsing annotations (0 = "other", class c stored as c + 1): the
  value is shifted down by one and 0 becomes the ignore index (mmsegmentation's ``reduce_zero_label``).
* **Ignore index** (default 255): a pixel equal to it belongs to no class. It is not counted in the
  class count K (a palette may list its colour as its *last* entry) and metrics skip it
  (:func:`genai.metrics.miou` with ``ignore_index``).
* :func:`instance_edges`: a pixel is an edge if any 4-neighbour has another instance id, both sides
  marked, exactly as ``get_edges`` in GESCO's released ``image_sample.py`` (ispamm/GESCO).

Where GESCO's released loader differs (stated here, not reproduced): it converts the instance PNG to
8 bit (``convert("L")``), which Pillow clips at 255, so every Cityscapes instance id (26000 + k for
cars) becomes 255 and touching instances of a class lose their common edge; :func:`read_label_set`
keeps the full ids. Its ADE20K loader folds "other" into a class 150 and its COCO loader folds 255
into a class 182; here they are the ignore index instead.

.. code-block:: python

    >>> import numpy as np
    >>> labelids_to_trainids(np.array([[7, 8, 26], [0, 17, 33]])).tolist()
    [[0, 1, 13], [255, 5, 18]]
    >>> instance_edges(np.array([[1, 1, 2], [1, 1, 2]])).tolist()
    [[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
    >>> lm = LabelMap(np.array([[0, 1], [255, 1]]), classes=2, ignore_index=255)
    >>> lm.present().tolist(), int(lm.valid().sum())
    ([0, 1], 3)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

__all__ = ["LabelMap", "read_label_set", "read_palette", "rgb_to_labels", "read_label_image", "instance_edges",
           "labelids_to_trainids", "cityscapes_trainids", "sibling_instances", "fill_ignored", "check_plane_memory", "MAX_PLANE_BYTES",
           "LABEL_KINDS",
           "CITYSCAPES_LABELS", "CITYSCAPES_LABELID_CLASSES", "CITYSCAPES_LABELID_NAMES",
           "CITYSCAPES_TRAIN_CLASSES", "CITYSCAPES_TRAIN_NAMES", "CITYSCAPES_IGNORE"]

PathLike = Union[str, os.PathLike]

#: ``read_label_set`` kinds (``auto`` picks a Cityscapes kind by file name, else ``indexed``).
#: The most memory the C float32 class planes of one map may take (``SEMLINK_MAX_PLANE_BYTES`` overrides).
MAX_PLANE_BYTES = 2 * 1024 ** 3
LABEL_KINDS = ("auto", "cityscapes-labelids", "cityscapes-trainids", "indexed", "ade20k")

#: The official Cityscapes labels: ``(name, id, trainId, hasInstances)``; trainId 255 = ignored in
#: evaluation. From cityscapesScripts ``helpers/labels.py`` (commit 0bcc4a7, see the module docstring).
CITYSCAPES_LABELS: tuple[tuple[str, int, int, bool], ...] = (
    ("unlabeled", 0, 255, False),
    ("ego vehicle", 1, 255, False),
    ("rectification border", 2, 255, False),
    ("out of roi", 3, 255, False),
    ("static", 4, 255, False),
    ("dynamic", 5, 255, False),
    ("ground", 6, 255, False),
    ("road", 7, 0, False),
    ("sidewalk", 8, 1, False),
    ("parking", 9, 255, False),
    ("rail track", 10, 255, False),
    ("building", 11, 2, False),
    ("wall", 12, 3, False),
    ("fence", 13, 4, False),
    ("guard rail", 14, 255, False),
    ("bridge", 15, 255, False),
    ("tunnel", 16, 255, False),
    ("pole", 17, 5, False),
    ("polegroup", 18, 255, False),
    ("traffic light", 19, 6, False),
    ("traffic sign", 20, 7, False),
    ("vegetation", 21, 8, False),
    ("terrain", 22, 9, False),
    ("sky", 23, 10, False),
    ("person", 24, 11, True),
    ("rider", 25, 12, True),
    ("car", 26, 13, True),
    ("truck", 27, 14, True),
    ("bus", 28, 15, True),
    ("caravan", 29, 255, True),
    ("trailer", 30, 255, True),
    ("train", 31, 16, True),
    ("motorcycle", 32, 17, True),
    ("bicycle", 33, 18, True),
    ("license plate", -1, -1, False),
)

#: Classes of a labelIds map as GESCO / SPADE one-hot it (ids 0..33 and one unused index).
CITYSCAPES_LABELID_CLASSES = 35
#: The 19 Cityscapes evaluation classes and the ignore trainId.
CITYSCAPES_TRAIN_CLASSES = 19
CITYSCAPES_IGNORE = 255
#: Names of the 35 labelId classes (index 34 is never drawn).
CITYSCAPES_LABELID_NAMES: tuple[str, ...] = tuple(n for n, i, _, _ in CITYSCAPES_LABELS if i >= 0) + ("(unused)",)
#: Names of the 19 trainId classes.
CITYSCAPES_TRAIN_NAMES: tuple[str, ...] = tuple(
    next(n for n, _, t, _ in CITYSCAPES_LABELS if t == c) for c in range(CITYSCAPES_TRAIN_CLASSES))

_LABELID_TO_TRAINID = np.array([t for _, i, t, _ in CITYSCAPES_LABELS if i >= 0], dtype=np.int64)


@dataclass(frozen=True, eq=False)  # arrays: compare the fields, not the objects
class LabelMap:
    """A label map read from a file.

    :param labels: ``[H, W]`` int64 class indices in ``[0, classes)``, or ``ignore_index``.
    :param classes: The class count K (the ignore index is not a class).
    :param ignore_index: The index of pixels that belong to no class, or ``None``.
    :param names: Class names (``classes`` of them), if known.
    :param instances: ``[H, W]`` int64 instance ids (Cityscapes encoding), if read.
    """

    labels: np.ndarray
    classes: int
    ignore_index: Optional[int] = None
    names: Optional[list] = None
    instances: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        lab = np.asarray(self.labels)
        if lab.ndim != 2 or not np.issubdtype(lab.dtype, np.integer):
            raise ValueError(f"a label map is an [H, W] integer array, got {lab.dtype} {lab.shape}")
        if self.classes < 1:
            raise ValueError(f"a label map needs at least one class, got {self.classes}")
        if self.ignore_index is not None and 0 <= self.ignore_index < self.classes:
            raise ValueError(f"the ignore index {self.ignore_index} is one of the {self.classes} classes")
        bad = (lab < 0) | (lab >= self.classes)
        if self.ignore_index is not None:
            bad &= lab != self.ignore_index
        if bad.any():
            raise ValueError(f"label {int(lab[bad][0])} is outside the {self.classes} classes"
                             + (f" and not the ignore index {self.ignore_index}" if self.ignore_index is not None
                                else ""))
        if self.names is not None and len(self.names) != self.classes:
            raise ValueError(f"{len(self.names)} names for {self.classes} classes")
        if self.instances is not None and np.shape(self.instances) != lab.shape:
            raise ValueError(f"instance map {np.shape(self.instances)} and label map {lab.shape} differ in size")
        object.__setattr__(self, "labels", lab.astype(np.int64, copy=False))

    def valid(self) -> np.ndarray:
        """``[H, W]`` bool: the pixels that belong to a class (not the ignore index)."""
        if self.ignore_index is None:
            return np.ones(self.labels.shape, dtype=bool)
        return self.labels != self.ignore_index

    def present(self) -> np.ndarray:
        """The classes present (sorted int64), the ignore index excluded."""
        return np.unique(self.labels[self.valid()])

    def edges(self) -> Optional[np.ndarray]:
        """The instance-edge plane (:func:`instance_edges`) of :attr:`instances`, or ``None``."""
        return None if self.instances is None else instance_edges(self.instances)


def instance_edges(instance_map: np.ndarray) -> np.ndarray:
    """The instance-edge plane of GESCO's ``get_edges`` (``image_sample.py``): 1 where a 4-neighbour
    differs (both pixels of the pair marked), else 0; float32, same shape, over the last two axes.

    :param instance_map: ``[..., H, W]`` instance ids (any integer or label array).
    """
    t = np.asarray(instance_map)
    if t.ndim < 2:
        raise ValueError(f"an instance map is [..., H, W], got shape {t.shape}")
    edge = np.zeros(t.shape, dtype=bool)
    dx = t[..., :, 1:] != t[..., :, :-1]
    edge[..., :, 1:] |= dx
    edge[..., :, :-1] |= dx
    dy = t[..., 1:, :] != t[..., :-1, :]
    edge[..., 1:, :] |= dy
    edge[..., :-1, :] |= dy
    return edge.astype(np.float32)


def labelids_to_trainids(labels: np.ndarray) -> np.ndarray:
    """Cityscapes label ids (0..33) -> trainIds (0..18, 255 = ignore), int64, by the official table."""
    lab = np.asarray(labels)
    if not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"label ids are integers, got {lab.dtype}")
    bad = (lab < 0) | (lab >= _LABELID_TO_TRAINID.size)
    if bad.any():
        raise ValueError(f"{int(lab[bad][0])} is not a Cityscapes label id (0..{_LABELID_TO_TRAINID.size - 1})")
    return _LABELID_TO_TRAINID[lab]


def cityscapes_trainids(label_map: LabelMap) -> LabelMap:
    """A labelIds :class:`LabelMap` (35 classes) as its evaluation view: 19 classes, ignore 255."""
    if label_map.classes != CITYSCAPES_LABELID_CLASSES or label_map.ignore_index is not None:
        raise ValueError("cityscapes_trainids takes a labelIds map (35 classes, no ignore index)")
    return LabelMap(labelids_to_trainids(label_map.labels), CITYSCAPES_TRAIN_CLASSES, CITYSCAPES_IGNORE,
                    list(CITYSCAPES_TRAIN_NAMES), label_map.instances)


def read_palette(path: PathLike) -> tuple[np.ndarray, Optional[list]]:
    """A palette file -> (``[N, 3]`` uint8 colours, names or ``None``).

    JSON ``{"palette": [[r, g, b], ...], "names": [...]}`` (``names`` optional), or text: one
    ``r g b [name]`` line per class (commas allowed; blank lines and ``#`` comments skipped).
    """
    p = Path(path)
    try:
        text = p.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"cannot read the palette {str(path)!r}: {err}") from None
    if p.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
            rows, names = doc["palette"], doc.get("names")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError(f"{path}: a JSON palette is {{\"palette\": [[r, g, b], ...], \"names\": [...]}}") from None
    else:
        rows, names = [], []
        for n, line in enumerate(text.splitlines(), 1):
            parts = line.split("#", 1)[0].replace(",", " ").split(None, 3)
            if not parts:
                continue
            if len(parts) < 3:
                raise ValueError(f"{path}:{n}: expected 'r g b [name]', got {line.strip()!r}")
            rows.append(parts[:3])
            names.append(parts[3].strip() if len(parts) > 3 else None)
        names = names if names and all(x is not None for x in names) else None
    pal = _palette_array(rows, str(path))
    if names is not None and (not isinstance(names, list) or len(names) != len(pal)):
        raise ValueError(f"{path}: {len(names) if isinstance(names, list) else 'no list of'} names for "
                         f"{len(pal)} colours")
    return pal, (None if names is None else [str(x) for x in names])


def _palette_array(rows: Sequence, what: str) -> np.ndarray:
    try:
        pal = np.asarray(rows, dtype=np.float64)
    except (ValueError, TypeError):
        raise ValueError(f"{what}: palette colours must be numbers") from None
    if pal.ndim != 2 or pal.shape[1] != 3 or pal.shape[0] == 0:
        raise ValueError(f"{what}: a palette is a non-empty list of [r, g, b], got shape {pal.shape}")
    if np.any(pal != np.round(pal)) or pal.min() < 0 or pal.max() > 255:
        raise ValueError(f"{what}: palette colours are integers in [0, 255]")
    return pal.astype(np.uint8)


def rgb_to_labels(rgb: np.ndarray, palette: np.ndarray, what: str = "the image") -> np.ndarray:
    """``[H, W, 3]`` colours -> ``[H, W]`` int64 palette indices (colour ``palette[i]`` -> ``i``).

    A colour not in the palette, or listed twice in it, is an error.
    """
    img = np.asarray(rgb)
    if img.ndim != 3 or img.shape[2] < 3:
        raise ValueError(f"{what}: expected an RGB image [H, W, 3], got shape {img.shape}")
    pal = _palette_array(palette, what).astype(np.int64)
    img = img[..., :3].astype(np.int64)
    key = (img[..., 0] << 16) | (img[..., 1] << 8) | img[..., 2]
    pkey = (pal[:, 0] << 16) | (pal[:, 1] << 8) | pal[:, 2]
    order = np.argsort(pkey, kind="stable")
    sorted_keys = pkey[order]
    if np.any(sorted_keys[1:] == sorted_keys[:-1]):
        dup = int(sorted_keys[1:][sorted_keys[1:] == sorted_keys[:-1]][0])
        raise ValueError(f"{what}: the palette lists colour {_rgb_text(dup)} twice; RGB maps need distinct colours")
    pos = np.clip(np.searchsorted(sorted_keys, key), 0, pkey.size - 1)
    miss = sorted_keys[pos] != key
    if miss.any():
        raise ValueError(f"{what}: colour {_rgb_text(int(key[miss][0]))} is not in the palette "
                         f"({int(miss.sum())} pixels)")
    return order[pos].astype(np.int64)


def _rgb_text(key: int) -> str:
    return f"({key >> 16}, {(key >> 8) & 255}, {key & 255})"


def read_label_image(path: PathLike) -> np.ndarray:
    """The pixels of a label image: ``[H, W]`` int64 for ``P``/``L``/``1``/16- and 32-bit greyscale
    images, ``[H, W, 3]`` uint8 for RGB(A) (the alpha is dropped)."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode
            if mode in ("P", "L", "1") or mode.startswith("I"):
                return np.asarray(img, dtype=np.int64)
            if mode in ("RGB", "RGBA"):
                return np.asarray(img.convert("RGB"), dtype=np.uint8)
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read the label map {str(path)!r}: {err}") from None
    raise ValueError(f"{path}: unsupported image mode {mode} for a label map")


def sibling_instances(path: PathLike) -> Optional[str]:
    """The ``*_instanceIds.png`` beside a Cityscapes ``*_labelIds.png`` / ``*_trainIds.png``, if it exists."""
    p = str(path)
    for tail in ("_labelIds.png", "_trainIds.png"):
        if p.endswith(tail):
            cand = p[: -len(tail)] + "_instanceIds.png"
            return cand if os.path.isfile(cand) else None
    return None


def _kind_of(path: PathLike, kind: str) -> str:
    if kind not in LABEL_KINDS:
        raise ValueError(f"unknown label-map kind {kind!r}; kinds: {', '.join(LABEL_KINDS)}")
    if kind != "auto":
        return kind
    name = Path(path).name
    if name.endswith("_labelIds.png"):
        return "cityscapes-labelids"
    if name.endswith("_trainIds.png"):
        return "cityscapes-trainids"
    return "indexed"


def _integer_labels(pixels: np.ndarray, path: PathLike, kind: str) -> np.ndarray:
    if pixels.ndim != 2:
        raise ValueError(f"{path}: a {kind} map is a single-channel PNG of indices, not an RGB image")
    return pixels


def _indexed(pixels: np.ndarray, path: PathLike, palette: Optional[Union[PathLike, np.ndarray]],
             ignore_index: Optional[int], ade20k: bool) -> LabelMap:
    pal, names = (None, None)
    if isinstance(palette, (str, os.PathLike)):
        pal, names = read_palette(palette)
    elif palette is not None:
        pal = _palette_array(palette, "the palette")
    if pixels.ndim == 3:
        if ade20k:
            raise ValueError(f"{path}: kind 'ade20k' reads SceneParsing index PNGs; read an RGB map as 'indexed'")
        if pal is None:
            raise ValueError(f"{path} is an RGB image: give the palette of its classes (or save class indices)")
        lab = rgb_to_labels(pixels, pal, str(path))
    else:
        lab = pixels
    if ade20k:
        if ignore_index is None:
            raise ValueError("kind 'ade20k' needs an ignore index for its class 0 ('other')")
        lab = np.where(lab == 0, ignore_index, lab - 1)
    if pal is not None:
        classes = len(pal) - 1 if ignore_index == len(pal) - 1 else len(pal)
        if ignore_index is not None and 0 <= ignore_index < classes:
            raise ValueError(f"the ignore index {ignore_index} is inside the palette's {len(pal)} classes "
                             "(it may only be the last entry or beyond)")
        names = names[:classes] if names is not None else None
    else:
        valid = lab if ignore_index is None else lab[lab != ignore_index]
        classes = int(valid.max()) + 1 if valid.size else 1
    return LabelMap(lab, classes, ignore_index, names)


def read_label_set(path: PathLike, kind: str = "auto", palette: Optional[Union[PathLike, np.ndarray]] = None,
                   ignore_index: Optional[int] = 255, instance_path: Optional[PathLike] = None) -> LabelMap:
    """Read a label map with its class count, ignore index, names and (optionally) instances.

    :param path: The label PNG.
    :param kind: One of :data:`LABEL_KINDS`: ``cityscapes-labelids`` (35 classes, nothing ignored),
        ``cityscapes-trainids`` (19 classes, ignore 255), ``indexed`` (classes from the palette, else
        ``0..max``), ``ade20k`` (indexed, value − 1, 0 -> ignore); ``auto`` picks a Cityscapes kind
        from a ``*_labelIds.png`` / ``*_trainIds.png`` name, else ``indexed``.
    :param palette: ``indexed`` / ``ade20k``: a palette file (:func:`read_palette`) or ``[N, 3]`` colours;
        needed for RGB images, and it sets K = N (N − 1 when its last entry is the ignore index).
    :param ignore_index: ``indexed`` / ``ade20k``: the index of unlabelled pixels (``None``: every value
        is a class). The Cityscapes kinds fix their own (trainIds 255, labelIds none).
    :param instance_path: A Cityscapes ``*_instanceIds.png`` of the same size (:func:`sibling_instances`).

    .. code-block:: python

        >>> import tempfile, os
        >>> from PIL import Image
        >>> f = os.path.join(tempfile.mkdtemp(), "a_gtFine_trainIds.png")
        >>> Image.fromarray(np.array([[0, 255], [13, 13]], np.uint8)).save(f)
        >>> lm = read_label_set(f)
        >>> lm.classes, lm.ignore_index, lm.names[13], lm.present().tolist()
        (19, 255, 'car', [0, 13])
    """
    kind = _kind_of(path, kind)
    pixels = read_label_image(path)
    try:
        lm = _read_kind(pixels, path, kind, palette, ignore_index)
    except ValueError as err:
        raise ValueError(str(err) if str(path) in str(err) else f"{path}: {err}") from None
    if instance_path is not None:
        inst = _integer_labels(read_label_image(instance_path), instance_path, "instance")
        if inst.shape != lm.labels.shape:
            raise ValueError(f"{instance_path}: instance map {inst.shape} and label map {lm.labels.shape} "
                             "differ in size")
        lm = replace(lm, instances=inst)
    return lm


def _read_kind(pixels: np.ndarray, path: PathLike, kind: str, palette: Optional[Union[PathLike, np.ndarray]],
               ignore_index: Optional[int]) -> LabelMap:
    if kind in ("indexed", "ade20k"):
        lm = _indexed(pixels, path, palette, ignore_index, kind == "ade20k")
    else:
        if palette is not None:
            raise ValueError(f"a palette applies to indexed maps, not to kind {kind!r}")
        lab = _integer_labels(pixels, path, kind)
        if kind == "cityscapes-labelids":
            labelids_to_trainids(lab)  # every value is a label id
            lm = LabelMap(lab, CITYSCAPES_LABELID_CLASSES, None, list(CITYSCAPES_LABELID_NAMES))
        else:
            lm = LabelMap(lab, CITYSCAPES_TRAIN_CLASSES, CITYSCAPES_IGNORE, list(CITYSCAPES_TRAIN_NAMES))
    return lm


def fill_ignored(labels: np.ndarray, ignore_index: Optional[int]) -> np.ndarray:
    """The map to *send*: every ignored pixel takes the class of its nearest labelled pixel (Euclidean),
    so no plane or code symbol is spent on the ignore index (it stays out of K); metrics then skip those
    pixels against the original map. A map with no labelled pixel is an error.

    .. code-block:: python

        >>> fill_ignored(np.array([[3, 255, 255, 5]]), 255).tolist()
        [[3, 3, 5, 5]]
    """
    lab = np.asarray(labels)
    if ignore_index is None or not (lab == ignore_index).any():
        return lab.astype(np.int64)
    from scipy.ndimage import distance_transform_edt

    holes = lab == ignore_index
    if holes.all():
        raise ValueError("the label map has no labelled pixel (every pixel is the ignore index)")
    idx = distance_transform_edt(holes, return_distances=False, return_indices=True)
    return lab[tuple(idx)].astype(np.int64)


def check_plane_memory(classes: int, shape: tuple[int, int], limit: Optional[int] = None) -> int:
    """Bytes of the ``classes`` float32 planes of an ``H × W`` map (what ``Pad`` of eq. (2) and the argmax
    hold); a :class:`ValueError` naming the sizes when they exceed ``limit`` (default
    :data:`MAX_PLANE_BYTES`, or ``SEMLINK_MAX_PLANE_BYTES``), before anything is allocated.

    .. code-block:: python

        >>> check_plane_memory(8, (256, 384))
        3145728
        >>> check_plane_memory(65535, (256, 384))
        Traceback (most recent call last):
        ...
        ValueError: 65535 classes x 256x384 need 25.8 GB of class planes (limit 2.1 GB, SEMLINK_MAX_PLANE_BYTES): give --classes no larger than the map needs
    """
    need = int(classes) * int(shape[0]) * int(shape[1]) * 4
    cap = int(os.environ.get("SEMLINK_MAX_PLANE_BYTES", MAX_PLANE_BYTES)) if limit is None else int(limit)
    if need > cap:
        raise ValueError(f"{classes} classes x {shape[0]}x{shape[1]} need {need / 1e9:.1f} GB of class planes "
                         f"(limit {cap / 1e9:.1f} GB, SEMLINK_MAX_PLANE_BYTES): give --classes no larger than the "
                         "map needs")
    return need
