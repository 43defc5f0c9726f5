"""semlink genai: foundation-model semantic encoders, generative decoders and metrics.

Import direction: ``genai`` uses neither ``linklevel`` nor ``bridge``; heavy imports
are lazy. The models arrive with the genai issue.
"""

__all__: list[str] = []
