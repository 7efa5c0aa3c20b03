"""Shipments and courier tracking (DESIGN.md section 2, logistics › shipments).

- ``models``: carriers (editable table), shipments (parcels: one order may have several, a
  merged parcel carries several orders), their trace events, and every courier push kept raw;
- ``carriers``: the shipped carrier table (codes, Chinese names, phones, number formats);
- ``services``: the label (typed, scanned or from the electronic-waybill provider), shipments
  made from orders that arrived shipped or were handed over, the trace applied;
- ``tracking``: the couriers' push formats (Kuaidi100, SF) read into one trace shape;
- ``pushes``: receiving a push: stored raw first, checked, applied, never backwards;
- ``kuaidi100``: the client of Kuaidi100 (subscription, electronic waybill);
- ``events``: what shipments tell the other apps (``shipment.created`` …);
- ``handlers``: orders follow their shipments' trace (the transition services, as the hub).
"""
