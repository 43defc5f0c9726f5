"""The link's Sionna 2.x blocks: ``config`` (``LinkConfig``; NumPy only), ``channels``, ``ofdm``,
``coding`` (CRC + 5G LDPC), ``ldpc`` (semlink's batched decoder), ``link`` (``Link``)."""
