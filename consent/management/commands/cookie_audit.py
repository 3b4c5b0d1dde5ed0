"""manage.py cookie_audit: walk the site in real Chromium once per consent state, hold what it met
against the cookie registry, store the report (admin: Cookie audits) and exit non-zero on any error,
so that it can guard a deployment. See consent/audit/."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from consent.audit.run import AuditRefused, cookie_audit_run


class Command(BaseCommand):
    help = "Audit the site's cookies, storage and third-party requests against the cookie registry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default=settings.SITE_URL, help="the site to audit (default: SITE_URL)")
        parser.add_argument(
            "--with-choices", action="store_true",
            help="also reject all, accept all and each category alone (always on a development server, DEBUG, "
                 "on this machine): each choice is a consent record the site keeps for years",
        )
        parser.add_argument(
            "--host-resolver-rules", default="",
            help="Chromium's host resolver rules, e.g. 'MAP www.ilumen.be 127.0.0.1' to audit this machine's "
                 "server under the site's name",
        )
        parser.add_argument("--max-pages", type=int, default=None, help="only the first N pages of each language")
        parser.add_argument("--settle-ms", type=int, default=400, help="how long to watch each page after it loads")

    def handle(self, *args, **options) -> None:
        try:
            result = cookie_audit_run(
                base_url=options["base_url"], with_choices=options["with_choices"],
                host_rules=options["host_resolver_rules"], max_pages=options["max_pages"],
                settle_ms=options["settle_ms"], progress=self.stdout.write,
            )
        except AuditRefused as problem:
            raise CommandError(str(problem)) from problem
        report = result.report
        for finding in report.findings.all():
            line = f"{finding.severity.upper():8} {finding.get_kind_display()}: {finding.subject}"
            line += f" ({finding.domain})" if finding.domain else ""
            line += f" [{', '.join(finding.states)}] {finding.page}" if finding.states else ""
            self.stdout.write(line)
        for failure in result.failures:
            self.stdout.write(f"NOT WALKED {failure}")
        self.stdout.write(
            f"Report {report.pk}: {report.errors} errors, {report.warnings} warnings, "
            f"against cookie policy revision {report.registry_revision.number}."
        )
        if report.errors or result.failures:
            raise CommandError(
                f"cookie audit: {report.errors} errors, {len(result.failures)} pages not walked (report {report.pk})"
            )
