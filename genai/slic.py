"""``classical``: the offline segmentation stand-in — SLIC superpixels clustered by colour (no weights).

No segmentation weights are on this machine, so the GESCO study's offline default makes its label
maps classically: scikit-image SLIC superpixels of the image, the superpixels' mean CIELAB colours
clustered by k-means (SciPy ``kmeans2``, k-means++ start, seeded) into ``classes`` clusters, every
pixel labelled with its superpixel's cluster. Clusters are numbered by increasing lightness so the
same image always gives the same labels. The classes are colour regions, not semantic categories:
outputs say **classical segmentation stand-in** (``note``).

.. code-block:: python

    >>> import numpy as np
    >>> img = np.zeros((32, 48, 3)); img[:, 24:] = [1.0, 0.2, 0.1]
    >>> lab = ClassicalSegmenter(classes=2, segments=12)(img)
    >>> lab.shape, sorted(np.unique(lab).tolist()), bool((lab[:, :20] == lab[0, 0]).all())
    ((32, 48), [0, 1], True)
"""

from __future__ import annotations

import numpy as np

from .registry import register

__all__ = ["ClassicalSegmenter", "STANDIN_NOTE"]

STANDIN_NOTE = "classical segmentation stand-in (SLIC superpixels + k-means on colour; not a trained model)"


@register("segmenter", "classical")
class ClassicalSegmenter:
    """Image ``[H, W, 3]`` (float in [0, 1] or uint8) -> label map ``[H, W]`` int64 in ``[0, classes)``.

    :param classes: Number of colour classes C.
    :param segments: Approximate number of SLIC superpixels.
    :param compactness: SLIC compactness.
    :param seed: k-means seed.
    """

    def __init__(self, classes: int = 8, segments: int = 400, compactness: float = 10.0, seed: int = 0) -> None:
        if classes < 1 or segments < 1:
            raise ValueError("classes and segments must be positive")
        self.classes, self.segments, self.compactness, self.seed = int(classes), int(segments), float(compactness), \
            int(seed)
        self.num_classes = self.classes
        self.note = STANDIN_NOTE

    def __call__(self, image: np.ndarray) -> np.ndarray:
        from scipy.cluster.vq import kmeans2
        from skimage.color import rgb2lab
        from skimage.segmentation import slic

        img = np.asarray(image)
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f"expected an RGB image [H, W, 3], got shape {img.shape}")
        img = img.astype(np.float64) / 255.0 if img.dtype == np.uint8 else np.clip(img.astype(np.float64), 0, 1)
        sp = slic(img, n_segments=self.segments, compactness=self.compactness, start_label=0, channel_axis=-1)
        lab = rgb2lab(img).reshape(-1, 3)
        n = int(sp.max()) + 1
        counts = np.bincount(sp.reshape(-1), minlength=n).astype(np.float64)
        used = counts > 0
        means = np.stack([np.bincount(sp.reshape(-1), weights=lab[:, c], minlength=n) for c in range(3)], 1)
        means = means[used] / counts[used, None]
        k = min(self.classes, int(used.sum()))
        rng = np.random.default_rng(self.seed)
        centroids, assign = kmeans2(means, k, minit="++", seed=rng)
        order = np.argsort(np.argsort(centroids[:, 0]))  # rank by lightness
        sp_class = np.zeros(n, dtype=np.int64)
        sp_class[np.nonzero(used)[0]] = order[assign]
        return sp_class[sp]
