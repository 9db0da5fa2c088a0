"""One module per channel kind, found through the registry (not an if/else on URL schemes)."""
