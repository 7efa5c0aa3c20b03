"""The workbench: the admin's home page as the signed-in role's list of what waits for it.

Each app registers its own tiles, exception rows and feeds in ``<app>/workbench.py``
(discovered at start-up, as ``admin.py`` is); this package only holds the registry and renders
it, and imports no domain app.
"""
