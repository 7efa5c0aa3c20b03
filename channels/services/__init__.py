"""Writes of the channels app: deliveries, ingestion, cleaning, identity, endpoints."""
