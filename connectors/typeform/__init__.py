"""Typeform: NPS answers from the Responses API."""
