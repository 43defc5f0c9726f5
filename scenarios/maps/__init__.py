"""Semantic label maps over a channel, shared by the studies that send them (GESCO's ``gesco_maps``, the map
comparison of ``jscc_vs_separation``): the analog one-hot channel of GESCO's eq. (1) with its FDS receiver, the
equal-resource analog map and the map scores (:mod:`scenarios.maps.analog`). Study-independent: the studies
import it, it imports no study."""

__all__: list[str] = []
