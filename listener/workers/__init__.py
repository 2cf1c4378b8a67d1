"""`ror worker`: the daemon's jobs as tasks on a distributed queue, so many workers share one PostgreSQL."""
