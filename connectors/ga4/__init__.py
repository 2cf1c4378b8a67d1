"""Google Analytics 4 Data API: a property's sessions, users, page views, bounce rate and key events per day."""
