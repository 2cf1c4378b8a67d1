"""What a user would write instead of ror-listener, run on the same corpus in the same bench run."""
