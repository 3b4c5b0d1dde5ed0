"""What every app shares: client networks and rate limits, the degrading cache and the page cache,
rich text, the Content-Security-Policy, security headers, health, validators."""
