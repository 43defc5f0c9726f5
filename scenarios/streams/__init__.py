"""The two semantic streams of an image (a prompt and an HED edge sketch), shared by the studies that send
them (Xu et al., Qiao et al.): the stream cache in a study's file (``cache``), perception metrics
(``metrics``) and the perception samples measured under channel conditions (``samples``).

A *condition* ``(psi1, psi2)`` says how each stream reaches the decoder: ``0`` error-free, a BER in
(0, 0.5] (forward-with-error: a BSC, or the uncoded BPSK/AWGN link at that BER) or :data:`ABSENT`
(not delivered).
"""
