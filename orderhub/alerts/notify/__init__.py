"""Telling people about alerts: e-mail through Django's mail backends and chat-group robots
(DingTalk, Feishu, WeCom) in their documented message formats and signatures.

``deliveries`` plans one delivery row per alert level and target (idempotent) inside the
transaction that raised or escalated the alert, and sends them later from a django-q2 task:
after commit, outside any transaction and lock, retried with backoff, every failure recorded on
the row and in the alert's timeline. ``robots`` builds and posts the webhook requests.
"""
