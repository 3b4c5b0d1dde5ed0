"""The staff roles and what each may do in the admin: least privilege, one place.

The groups are created and kept exactly to these lists after every migrate
(staff.services.roles_sync): adding or removing a codename here is all a change takes. A
superuser account is for the administrators who manage users and groups.
"""

LEGAL = {
    "privacy": [
        "view_document", "add_document", "change_document",
        "view_version", "add_version", "change_version", "publish_version",
    ],
    "consent": [
        "view_category", "add_category", "change_category", "delete_category",
        "view_cookie", "add_cookie", "change_cookie", "delete_cookie",
        "view_registryrevision",
        "view_consentrecord",
        "view_cookieaudit",  # the cookie audit's reports, read-only
        # Analytics and the networks' buttons: Legal's alone, as each one is processing visitors consent to.
        "view_integration", "add_integration", "change_integration",
    ],
    "datarights": [
        "view_datarequest", "add_datarequest", "change_datarequest",
        "export_personal_data", "erase_personal_data",
        "view_erasurerecord",
        "view_processing_record",  # the record of processing activities (GDPR Art. 30)
    ],
    "newsletter": [
        "view_subscriber", "view_subscription", "view_consentproof", "view_proof_ip",
        "send_privacy_notice",  # announcing a material change of the statement they publish
    ],
}

MARKETING = {
    "newsletter": [
        "view_topic", "add_topic", "change_topic",
        "view_campaign", "add_campaign", "change_campaign", "delete_campaign", "send_campaign",
        "view_campaigncontent", "add_campaigncontent", "change_campaigncontent", "delete_campaigncontent",
        "view_campaignimage", "add_campaignimage", "change_campaignimage", "delete_campaignimage",
        "view_topicwelcome", "add_topicwelcome", "change_topicwelcome", "delete_topicwelcome",
        "view_subscriber", "view_subscription", "view_consentproof",
        "view_delivery",
        "view_subscriberimport", "add_subscriberimport",
        "view_bounce",
        # A file of subscribers leaves the site: the IP of their proofs stays Legal's (view_proof_ip).
        "export_subscribers",
    ],
    "mail": ["view_suppression", "view_bouncemail"],
    "accesslog": ["view_pageview"],
}

SUPPORT = {
    "datarights": [
        "view_datarequest", "add_datarequest", "change_datarequest",
        "export_personal_data", "erase_personal_data",
    ],
    "contact": ["view_contactmessage", "change_contactmessage"],
}

# The site's own pages: the home page's introduction, key figures, the company details and the
# hosting provider on the legal notice.
WEB_EDITOR = {
    "pages": [
        "view_companyprofile", "change_companyprofile",
        "view_keyfigure", "add_keyfigure", "change_keyfigure", "delete_keyfigure",
    ],
}

ROLES: dict[str, dict[str, list[str]]] = {
    "Legal": LEGAL, "Marketing": MARKETING, "Support": SUPPORT, "Web editor": WEB_EDITOR,
}
