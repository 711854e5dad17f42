"""Watches: saved queries and filters over items, and their delivery."""
