"""Build-time generators for the documentation site (not part of the ``treaty`` package).

``hooks.py`` is the mkdocs hook module named in ``mkdocs.yml``; it expands the
directives written in the pages' markdown:

``<!-- gen: NAME key=value ... -->``
    replaced by generated markdown (see :mod:`docgen.generators`).
``<!-- output [head=N] [start=REGEX] [lang=L] [format=markdown] [sections=REGEX] -->``
    after a fenced ``python`` or ``sh`` block: replaced by what that block prints,
    run at build time by the tool itself.
``<!-- norun -->``
    before a fenced block: the block is not run, neither at build time nor by
    ``tests/test_docs.py`` (use sparingly: install commands that CI runs itself).
``<!-- requires: MODULE [MODULE ...] -->``
    before a fenced block: run it only where these modules can be imported.

:mod:`docgen.blocks` holds the parsing both the hook and ``tests/test_docs.py`` use.
"""
