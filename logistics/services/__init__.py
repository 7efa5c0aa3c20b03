"""Writes of the logistics app: stock and its ledger, routing, fulfilment, merged parcels."""
