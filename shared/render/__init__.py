"""How items read: the e-mail frame, one renderer per kind, and the date formats they share."""
