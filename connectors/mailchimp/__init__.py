"""Mailchimp Marketing API: campaign reports (counts only; member activity is not read)."""
