"""The pure domain: no I/O, no framework imports. Everything here is tested exhaustively."""
