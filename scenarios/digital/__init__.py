"""The separated (digital) system shared by the studies that send a source coder's bits over the real link:
5G LDPC + QAM modulation-and-coding schemes with certified BLER thresholds, link adaptation and
discard-with-error delivery (:mod:`scenarios.digital.mcs`), and the source coders — the learned hyperprior
family and JPEG2000 at a bit budget (:mod:`scenarios.digital.codecs`). Study-independent: the studies import
it, it imports no study."""

__all__: list[str] = []
