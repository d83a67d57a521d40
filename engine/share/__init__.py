"""Share: what leaves the studio.

``push`` publishes a finished run to the Hub with a model card; ``standalone`` exports a run as
a project that trains without the studio (``templates/`` are its scripts).
"""
