"""The bottom layer: what every layer above speaks (context, events, templates, fields, masking, paths,
Ultralytics' arguments and integrations, suggestions, the imports done the cheap way). It imports
nothing of the package above ``errors`` and ``log``."""
