"""Tests in a real headless browser: the live playground served by Voila, and saved pages."""
