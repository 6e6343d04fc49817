"""Ticket use cases, one module each: create, read and list, update, split, links, auto-close."""
