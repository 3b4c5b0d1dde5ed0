"""The contact form. Thin: parse, rate-limit, hand to the service, redirect."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contact import services
from contact.forms import ContactForm
from core import ratelimit
from core.ipaddress import client_ip
from core.security import same_origin_form

HOUR = 3600


@same_origin_form
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    form = ContactForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_bot():
            return redirect("contact:thanks")  # a bot learns nothing, and nothing is stored
        if form.is_valid():
            data = form.cleaned_data
            over = ratelimit.network_then_address_hit(
                "contact", ip=client_ip(request), address=data["email"],
                per_network=settings.CONTACT_RATE_LIMIT_PER_IP, per_address=settings.CONTACT_RATE_LIMIT_PER_ADDRESS,
                window_seconds=HOUR,
            )
            if over is not ratelimit.Over.NETWORK:
                # Over the per-address limit the answer is a success's, so that it cannot tell
                # anyone how often an address was used; the message is dropped.
                if over is ratelimit.Over.NOTHING:
                    services.message_submit(
                        name=data["name"], email=data["email"], subject=data["subject"], message=data["message"],
                        language=get_language() or settings.LANGUAGE_CODE,
                    )
                return redirect("contact:thanks")
            form.add_error(None, _("You have sent several messages in a short time. Please try again in an hour."))
            status = 429
        else:
            status = 400
    context = {"form": form, "keep_days": settings.CONTACT_KEEP_DAYS_AFTER_HANDLED}
    response = render(request, "contact/contact.html", context, status=status)
    return ratelimit.too_many(response, window_seconds=HOUR) if status == 429 else response


def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "contact/thanks.html")
