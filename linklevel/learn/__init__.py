"""Trainable link components (issue #27): what a user's optimizer trains through the differentiable link.

* ``constellation``: :class:`~linklevel.learn.constellation.TrainableConstellation` (geometric shaping);
* ``demapper``: :class:`~linklevel.learn.demapper.NeuralDemapper` (an MLP in place of the APP demapper);
* ``weighted_bp``: :class:`~linklevel.learn.weighted_bp.WeightedBP` (Nachmani et al.'s weighted BP on
  semlink's 5G LDPC decoder);
* ``bmi``: the bit-metric-decoding rate estimator with its interval;
* ``checkpoint``: safetensors with training metadata;
* ``training``: the training loops behind ``semlink train-constellation`` / ``train-decoder``.

Every part is a ``torch.nn.Module`` (its ``parameters()`` go to the user's optimizer). Nothing is imported
here: the submodules load torch and Sionna.
"""

__all__: list[str] = []
