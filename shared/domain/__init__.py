"""The domain: the normalised item, notification and queue contracts, departments, events, text and time."""
