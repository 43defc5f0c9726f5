"""GESCO (Grassucci et al.): semantic maps over analog and digital channels (``semlink run gesco_maps``).

Grassucci et al., "Generative Semantic Communication: Diffusion Models Beyond Bit Recovery" (GESCO):
one-hot semantic maps over the analog channel of eq. (1), the FDS block of eq. (2), and the same maps
sent as bits over real 5G LDPC + QAM links at equal channel uses and energy.

==============  ===================================================================================
``kind``        the registration (``KIND``)
``schema``      the study file's tables -> :class:`~scenarios.gesco.schema.GescoStudy`; map sources
``parts``       the parts (maps, FDS ablation, analog vs digital, fading, regeneration) and their work
``report``      the report sections; ``summary``: its typed summary; ``figures``: its figures
``models``      the paper's analog map channel (eq. (1)) and FDS receiver (eq. (2)) for one map
``reallink``    the digital path: the map coded losslessly over a simulated 5G LDPC + QAM link
==============  ===================================================================================
"""
