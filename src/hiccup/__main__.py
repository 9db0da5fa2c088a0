"""`python -m hiccup`: the same as the `hiccup` command."""

from hiccup.cli.main import main

main()
