"""Insight across incidents: digests of the saved sessions, cached, and the figures built from them."""
