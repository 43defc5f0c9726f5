"""``classical``: the offline segmentation stand-in — SLIC superpixels clustered by colour (no weights).

No segmentation weights are on this machine, so the GESCO study's offline default makes its label
maps classically: scikit-image SLIC superpixels of the image, the superpixels' mean CIELAB colours
clustered by k-means (SciPy ``kmeans2``, k-means++ start, seeded) into ``classes`` clusters, every
pixel labelled with its superpixel's cluster. Clusters are numbered by increasing lightness so the
same image always gives the same labels. The classes are colour regions, not semantic categories:
outputs say **classical segmentation stand-in** (``note``).

**Re-segmenting with the same classes** (:meth:`ClassicalSegmenter.fit`): a trained segmenter's classes
are fixed, so re-segmenting a received or regenerated image measures how well it keeps them. k-means on
each image would instead define new clusters (and, ranked by lightness, renumber them when noise shifts
a centroid: a 30 dB copy of an image scored mIoU 0.18 that way). ``fit(image)`` therefore returns a
segmenter whose classes are the centroids found on ``image``: every superpixel of a later image takes the
nearest of them (CIELAB distance), no k-means.

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
        self.centroids: "np.ndarray | None" = None

    def fit(self, image: np.ndarray) -> "ClassicalSegmenter":
        """A segmenter with this one's settings whose classes are the colour centroids of ``image`` (module
        docstring); ``fit(image)(image)`` equals ``self(image)``.

        .. code-block:: python

            >>> import numpy as np
            >>> img = np.zeros((32, 48, 3)); img[:, 24:] = [1.0, 0.2, 0.1]
            >>> seg = ClassicalSegmenter(classes=2, segments=12)
            >>> noisy = np.clip(img + np.random.default_rng(0).normal(0, 0.05, img.shape), 0, 1)
            >>> bool((seg.fit(img)(noisy) == seg(img)).mean() > 0.95)
            True
        """
        fitted = ClassicalSegmenter(self.classes, self.segments, self.compactness, self.seed)
        means = self._superpixel_means(image)[1]
        fitted.centroids = self._cluster(means)[0]
        return fitted

    def _superpixel_means(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """(superpixel index map, mean CIELAB of the used superpixels, used mask, superpixel count)."""
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
        return sp, means[used] / counts[used, None], used, n

    def _cluster(self, means: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """k-means of the superpixel colours: (centroids ordered by lightness, class of each superpixel)."""
        from scipy.cluster.vq import kmeans2

        k = min(self.classes, len(means))
        centroids, assign = kmeans2(means, k, minit="++", seed=np.random.default_rng(self.seed))
        order = np.argsort(centroids[:, 0])  # rank by lightness
        rank = np.argsort(order)
        return centroids[order], rank[assign]

    def __call__(self, image: np.ndarray) -> np.ndarray:
        sp, means, used, n = self._superpixel_means(image)
        if self.centroids is None:
            cls = self._cluster(means)[1]
        else:
            cls = np.argmin(((means[:, None, :] - self.centroids[None]) ** 2).sum(-1), axis=1)
        sp_class = np.zeros(n, dtype=np.int64)
        sp_class[np.nonzero(used)[0]] = cls
        return sp_class[sp]
