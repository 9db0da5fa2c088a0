"""Remote probes: the wire format shared by the server's probe API and the `hiccup probe` agent."""
