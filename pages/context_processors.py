from django.http import HttpRequest

from pages.selectors import company_profile


def company(request: HttpRequest) -> dict:
    """The company details for the footer."""
    return {"company": company_profile()}
