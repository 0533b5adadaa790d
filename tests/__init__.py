"""The test suite: folders mirror the packages (engine, pictures, nn, cli); strategies.py holds the hypothesis strategies."""
