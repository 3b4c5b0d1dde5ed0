/* Google Analytics in Consent Mode v2 "basic": this file and the Google tag are only ever
 * run after the visitor granted its category (both sit in a consent gate), so
 * the defaults are all denied and only analytics storage is granted. Advertising signals
 * stay denied: the site has no advertising category. */
(function () {
  'use strict';
  var script = document.currentScript;
  var id = script && script.getAttribute('data-measurement-id');
  var category = (script && script.getAttribute('data-consent-category')) || 'analytics';
  if (!id) { return; }
  window.dataLayer = window.dataLayer || [];
  function gtag() { window.dataLayer.push(arguments); }
  window.gtag = window.gtag || gtag;
  window['ga-disable-' + id] = false;
  window.gtag('consent', 'default', {
    ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied'
  });
  window.gtag('consent', 'update', {analytics_storage: 'granted'});
  window.gtag('js', new Date());
  window.gtag('config', id);

  /* A later choice on the same page, without a reload. On withdrawal measuring stops at
   * once (consent.js deletes the cookies); granting again resumes it. */
  document.addEventListener('consent:change', function (event) {
    var on = event.detail.granted.indexOf(category) !== -1;
    window.gtag('consent', 'update', {analytics_storage: on ? 'granted' : 'denied'});
    window['ga-disable-' + id] = !on;
  });
}());
