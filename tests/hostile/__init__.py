"""The fault suite: hostile servers, kills, concurrency, secrets, the outbox and the health endpoint."""
