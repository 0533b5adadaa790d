"""The documentation site: ``python -m docs build`` turns the pages in this folder, the lessons in
``notebooks/``, the API docstrings, a saved playground run and ``bench/results.md`` into one
static site in ``site/`` that asks no other host for anything.

The folder also holds the pictures the README shows (``make_pictures.py`` draws them again).
"""
