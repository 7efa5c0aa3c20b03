"""The warehouse floor works from the screen (issue 10 item 8).

- ``models``: waves (orders released together for picking, one pick list each) and where each
  SKU sits in a warehouse (its pick location);
- ``selectors``: the pick list of a wave, the orders a scan names, the queue's lines;
- ``services``: making waves, the scan station's steps, a courier's batch hand-over; every
  order move goes through ``orders.services`` / ``logistics.shipments.services``;
- ``views``: the printable pick list, the scan station (keyboard only) and the batch hand-over,
  as admin pages (``admin``).
"""
