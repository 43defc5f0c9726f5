"""GESCO (Grassucci et al.): semantic maps over analog and digital channels (``semlink run gesco_maps``)."""
