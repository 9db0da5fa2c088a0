"""The public face of a page: pure renderers from a PublicState to HTML and Statuspage JSON."""
