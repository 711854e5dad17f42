"""The read side: department pages, Atom feeds, calendars, search and item pages, from the read table."""
