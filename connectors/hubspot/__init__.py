"""HubSpot CRM v3: contacts, deals and tickets changed since a cursor, read through the search API."""
