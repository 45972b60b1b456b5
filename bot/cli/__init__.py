"""The command line: one module per command group, the console front end, rendering and health.

``main`` parses arguments and dispatches; ``run`` is the only command that touches Discord (it
imports ``bot.discord`` lazily). Everything else works from the core and the store without a
token. Nothing else of ours imports this package.
"""
