"""Plausible Analytics Stats API v2: a site's visits, bounce rate, visit duration and goal conversions per day."""
