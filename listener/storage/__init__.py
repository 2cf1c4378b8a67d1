"""Storage: the engine, table models, batch upserts and the store the sync writes through."""
