"""Result storage (NumPy/h5py only, never torch or Sionna): a point's counts (``points``), the BER run
store (``results``), safe checksummed HDF5 files (``h5io``)."""
