"""What the newsletter does with other parts' signals: the e-mail service's tracking events
(django-anymail), connected in NewsletterConfig.ready."""

from anymail.signals import AnymailTrackingEvent, tracking

from newsletter.services.provider_events import provider_event_apply


def tracking_received(sender: object, event: AnymailTrackingEvent, esp_name: str, **kwargs: object) -> None:
    provider_event_apply(event=event, esp_name=esp_name)


def connect() -> None:
    tracking.connect(tracking_received, dispatch_uid="newsletter.provider_events")
