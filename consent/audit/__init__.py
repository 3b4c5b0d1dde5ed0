"""The cookie audit (`manage.py cookie_audit`): real Chromium walks the site's public pages once per
consent state (browser.py, over the pages in pages.py); what it met is held against the registry
(findings.py); run.py ties them together and stores the report through consent.services."""
