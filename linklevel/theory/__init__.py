"""Theory (NumPy/SciPy only, never torch or Sionna): exact BER (``analytic``), finite-blocklength bounds
(``fbl``), SNR conversions (``snr``), monotone inversion (``monotone``), intervals (``stats``)."""
