"""One module per page kind; each exposes Starlette endpoints (sync for reads, async for forms)."""
