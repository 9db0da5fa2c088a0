"""Runtime and start-up: the composition root that wires the rest."""
