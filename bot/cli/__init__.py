"""The command line: one module per command group, the console front end, rendering and health.

``main`` parses arguments and dispatches; ``run`` is the only command that touches Discord (it
imports ``bot.discord`` lazily). Everything else works from the core and the store without a
token. ``arguments`` holds the parser class, argument types and exit codes (75: a restart may
help; 78: do not restart). Nothing else of ours imports this package.
"""
