"""Writes on finance data, one module per use case (STYLE.md: services for writes).

- ``statements``: import a statement (dry run, all or nothing, once per file and per row);
- ``matching``: match lines to orders and colour them, set-based;
- ``reviews``: finance confirms yellow lines and resolves red ones;
- ``invoices``: record and import invoices (orders move to ``invoiced``);
- ``costs``: the per-order cost breakdown;
- ``settlement``: orders move to ``settled`` when their money is matched; finished orders
  without money turn red;
- ``consistency``: the channels' own figures and the 0.3 % check;
- ``escalation``: red lines left for 2 hours become alerts.
"""
