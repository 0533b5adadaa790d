"""Tests of the builds of the sites: the browser lessons (JupyterLite)."""
