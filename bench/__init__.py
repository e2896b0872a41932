"""Benchmarks: how fast a student gets a verdict and how fast an instructor grades a class, each
figure measured side by side with its baseline in one run (``python -m bench``)."""
