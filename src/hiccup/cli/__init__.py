"""Every command of `hiccup`."""
