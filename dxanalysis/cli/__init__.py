"""Stage 7, the ``dx`` command: ``main`` parses the sub-commands, ``commands`` runs the forecast and batch ones."""
