"""Matomo Reporting API: a site's visits, bounces, time on site and converted visits per day."""
