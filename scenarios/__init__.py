"""semlink scenarios: declarative studies, their runners and the ``semlink`` CLI.

May use every other semlink package (``linklevel``, ``bridge``, ``genai``).
"""

__all__: list[str] = []
