/* Cookie consent in the browser: choices without a reload, gated code started on consent,
 * cookies of refused categories deleted. Everything also works without this script: the
 * forms post to the server, which records the choice, expires cookies and redirects back. */
(function () {
  'use strict';

  var banner = document.getElementById('consent-banner');
  if (!banner) { return; }
  var status = document.querySelector('[data-consent-status]');
  var savedText = document.querySelector('[data-consent-saved-text]');
  var closeButton = banner.querySelector('[data-consent-close]');
  var settingsPanel = banner.querySelector('.consent-settings');
  var settingsToggle = banner.querySelector('[data-consent-open-settings]');
  var opener = null;

  function granted() {
    return (banner.getAttribute('data-consent-granted') || '').split(' ').filter(Boolean);
  }

  /* Scripts and iframes the server rendered inert (see privacy/templatetags/consent.py). */
  function activate(category) {
    var selector = 'script[type="text/plain"][data-consent="' + category + '"]';
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (inert) {
      var script = document.createElement('script');
      Array.prototype.forEach.call(inert.attributes, function (attr) {
        if (['type', 'data-type', 'data-src', 'data-consent', 'nonce'].indexOf(attr.name) === -1) {
          script.setAttribute(attr.name, attr.value);
        }
      });
      if (inert.getAttribute('data-type')) { script.type = inert.getAttribute('data-type'); }
      script.nonce = inert.nonce;  /* the nonce attribute is hidden once parsed; the property keeps it */
      if (inert.getAttribute('data-src')) {
        script.src = inert.getAttribute('data-src');
        script.async = false;  /* run in document order, as they would have on page load */
      } else {
        script.textContent = inert.textContent;
      }
      inert.parentNode.replaceChild(script, inert);
    });
    Array.prototype.forEach.call(
      document.querySelectorAll('iframe[data-consent="' + category + '"][data-src]'),
      function (frame) { frame.src = frame.getAttribute('data-src'); frame.removeAttribute('data-src'); }
    );
    Array.prototype.forEach.call(
      document.querySelectorAll('[data-consent-placeholder="' + category + '"]'),
      function (placeholder) { placeholder.hidden = true; }
    );
    Array.prototype.forEach.call(
      document.querySelectorAll('[data-consent-content="' + category + '"]'),
      function (content) { content.hidden = false; }
    );
  }

  function isIpAddress(host) {
    return /^[0-9.]+$/.test(host) || host.indexOf(':') !== -1 || host.charAt(0) === '[';
  }

  /* Delete cookies by registered name or pattern ('_ga_*') on this host and each parent
   * domain. HttpOnly ones are out of reach here: the server expired those already. */
  function deleteCookies(patterns) {
    if (!patterns || !patterns.length) { return; }
    var tests = patterns.map(function (pattern) {
      var source = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
      return new RegExp('^' + source + '$');
    });
    var host = location.hostname;
    var domains = [''];
    if (!isIpAddress(host)) {
      var parts = host.split('.');
      for (var i = 0; i < parts.length - 1; i++) { domains.push('; domain=' + parts.slice(i).join('.')); }
    }
    document.cookie.split(';').forEach(function (pair) {
      var name = pair.split('=')[0].trim();
      if (!name || !tests.some(function (test) { return test.test(name); })) { return; }
      domains.forEach(function (domain) {
        ['/', location.pathname].forEach(function (path) {
          document.cookie = name + '=; Max-Age=0; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=' + path + domain;
        });
      });
    });
  }

  function announce(text) {
    if (!status) { return; }
    status.textContent = '';
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function showSettings(focus) {
    if (!settingsPanel) { return; }
    settingsPanel.hidden = false;
    if (settingsToggle) { settingsToggle.setAttribute('aria-expanded', 'true'); }
    if (focus) {
      var title = settingsPanel.querySelector('h3');
      (title || settingsPanel).focus();
    }
  }

  /* `focus`: where the keyboard goes next; by default back where the banner was opened from. */
  function hideBanner(focus) {
    banner.hidden = true;
    if (settingsPanel) { settingsPanel.hidden = true; }
    if (settingsToggle) { settingsToggle.setAttribute('aria-expanded', 'false'); }
    if (closeButton) { closeButton.hidden = true; }
    var target = focus || (opener && document.body.contains(opener) ? opener : document.getElementById('main-content'));
    opener = null;
    if (target) { target.focus(); }
  }

  function openBanner(from) {
    opener = from || document.activeElement;
    banner.hidden = false;
    if (closeButton) { closeButton.hidden = banner.getAttribute('data-consent-decided') !== '1'; }
    showSettings(true);
  }

  /* `form`: the form that decided; a click-to-load placeholder hands the keyboard to what it loaded. */
  function apply(result, form) {
    var before = granted();
    var placeholder = form && form.closest('[data-consent-placeholder]');
    var loaded = placeholder && placeholder.parentNode.querySelector('[data-consent-content]');
    banner.setAttribute('data-consent-granted', result.granted.join(' '));
    banner.setAttribute('data-consent-decided', '1');
    Array.prototype.forEach.call(document.querySelectorAll('input[type="checkbox"][name="category"]'), function (box) {
      box.checked = result.granted.indexOf(box.value) !== -1;
    });
    result.granted.forEach(activate);
    deleteCookies(result.expire);
    document.dispatchEvent(new CustomEvent('consent:change', {
      detail: {
        granted: result.granted,
        refused: result.refused,
        withdrawn: before.filter(function (key) { return result.granted.indexOf(key) === -1; })
      }
    }));
    hideBanner(loaded || null);
    announce(result.message || (savedText ? savedText.textContent : ''));
  }

  function submitWithoutScript(form, submitter) {
    if (submitter && submitter.name) {
      var field = document.createElement('input');
      field.type = 'hidden';
      field.name = submitter.name;
      field.value = submitter.value;
      form.appendChild(field);
    }
    HTMLFormElement.prototype.submit.call(form);
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.matches || !form.matches('form[data-consent-form]')) { return; }
    event.preventDefault();
    var submitter = event.submitter || form.querySelector('button[type="submit"]');
    var data = new FormData(form, submitter);
    /* form.action would be the buttons named "action": read the attribute */
    fetch(form.getAttribute('action'), {
      method: 'POST', body: data, credentials: 'same-origin', headers: {'Accept': 'application/json'}
    }).then(function (response) {
      return response.json().then(function (body) { return {status: response.status, body: body}; });
    }).then(function (answer) {
      if (answer.status === 200) { apply(answer.body, form); return; }
      if (answer.status === 409 && answer.body.reload) { window.location.reload(); return; }
      /* Refused (bad input, too many choices): let the server show its page, in the visitor's language. */
      submitWithoutScript(form, submitter);
    }).catch(function () { submitWithoutScript(form, submitter); });
  });

  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('[data-consent-open], [data-consent-open-settings]');
    if (link) {
      event.preventDefault();
      if (link.hasAttribute('data-consent-open')) { openBanner(link); } else { showSettings(true); }
      return;
    }
    if (event.target.closest && event.target.closest('[data-consent-close]')) { hideBanner(); }
  });

  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && !banner.hidden && banner.getAttribute('data-consent-decided') === '1' &&
        banner.contains(document.activeElement)) {
      hideBanner();
    }
  });
}());
