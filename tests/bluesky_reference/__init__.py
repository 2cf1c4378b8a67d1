"""The Bluesky reference servers (@atproto/dev-env) on loopback, for the reference-server test tier."""
