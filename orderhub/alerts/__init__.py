"""Alerts and their delivery: project infrastructure that every app uses and that imports no
domain app (see ``models`` for its one link to an order)."""
