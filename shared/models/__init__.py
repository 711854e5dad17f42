"""Pydantic models at deptwatch's boundaries: the queue contract, the stored item and the published notification."""
