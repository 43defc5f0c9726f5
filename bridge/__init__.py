"""semlink bridge: torch tensors <-> bit streams across ``linklevel`` links.

Import direction: ``bridge`` uses ``linklevel`` only. Stream codecs, packetization
and the forward/discard receiver policies arrive with the bridge issue.
"""

__all__: list[str] = []
