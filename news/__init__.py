"""What the build and the answering side share: records, text utilities, places, as-of dates, figure grammar."""
