"""Imports beyond social: CSV and Excel files (surveys, CRM customers and orders, tickets, identity mappings,
e-mail campaigns, website days), the API sources beside them, the people they link, and erasure."""
