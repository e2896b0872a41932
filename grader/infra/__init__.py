"""The one layer that talks to the Docker engine, the registry, the docker CLI and the network.

Checks, the lab, the command line and the widgets ask this layer questions; none of them builds
a Docker or HTTP client of its own.
"""
