"""The classroom server: JupyterHub for a whole class on one Linux machine, each student with a
Unix user, a rootless Docker engine and a network namespace of their own (``grader classroom``).

- :mod:`.roster`: who may sign in (the instructor's CSV, checked whole before anything starts);
- :mod:`.control`: ``grader classroom start`` and ``stop``;
- :mod:`.spawner`: JupyterHub's authenticator and spawner (a student's seat, then their server);
- :mod:`.forward`: TCP between the host and a student's namespace, in the hub's event loop.

The seat itself (user, engine, namespace, limits) is :mod:`grader.isolation.seats`.
"""
