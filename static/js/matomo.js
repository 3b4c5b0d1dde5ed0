/* Matomo on the site's own Matomo server, with Matomo's consent API: this file and matomo.js
 * are only ever run after the visitor granted the category (both sit in a consent gate), so
 * consent is required and given at once. A later withdrawal on the same page stops tracking
 * at once (consent.js deletes the cookies); granting again resumes it. */
(function () {
  'use strict';
  var script = document.currentScript;
  var tracker = script && script.getAttribute('data-tracker-url');
  var site = script && script.getAttribute('data-site-id');
  var category = (script && script.getAttribute('data-consent-category')) || 'analytics';
  if (!tracker || !site) { return; }
  var paq = window._paq = window._paq || [];
  paq.push(['requireConsent']);
  paq.push(['setConsentGiven']);
  paq.push(['setTrackerUrl', tracker]);
  paq.push(['setSiteId', site]);
  paq.push(['trackPageView']);
  paq.push(['enableLinkTracking']);

  document.addEventListener('consent:change', function (event) {
    var on = event.detail.granted.indexOf(category) !== -1;
    window._paq.push([on ? 'setConsentGiven' : 'requireConsent']);
  });
}());
