// The console's one script, served from /console/assets/console.js (the CSP forbids inline scripts).
// Progressive enhancement only: copy buttons (lists one item per line), confirmation prompts, and the WebAuthn ceremonies, which
// need navigator.credentials. Every page works for everything else without it.
export const CONSOLE_JS = `'use strict';
(function () {
  function b64uToBuf(s) { s = s.replace(/-/g, '+').replace(/_/g, '/'); while (s.length % 4) s += '=';
    var bin = atob(s), out = new Uint8Array(bin.length); for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i); return out.buffer; }
  function bufToB64u(buf) { var bytes = new Uint8Array(buf), s = ''; for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, ''); }
  function postJson(url, body, csrf) {
    return fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.message || 'The request failed.'); return j; }); });
  }
  function say(el, text) { var out = document.getElementById(el.getAttribute('aria-controls')); if (out) out.textContent = text; }
  function creds(list) { return (list || []).map(function (c) { return Object.assign({}, c, { id: b64uToBuf(c.id) }); }); }

  document.querySelectorAll('[data-copy]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var target = document.getElementById(button.getAttribute('data-copy'));
      // A list (recovery codes) is copied one item per line, not run together.
      var items = target.querySelectorAll('li');
      var text = items.length > 0
        ? Array.prototype.map.call(items, function (li) { return li.textContent.trim(); }).join('\\n')
        : target.textContent.trim();
      navigator.clipboard.writeText(text).then(function () { button.textContent = 'Copied'; });
    });
  });
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) { if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault(); });
  });

  var register = document.getElementById('passkey-register');
  if (register && window.PublicKeyCredential) {
    register.hidden = false;
    register.addEventListener('click', function () {
      var csrf = register.getAttribute('data-csrf');
      var name = (document.getElementById('passkey-name') || {}).value || 'Passkey';
      postJson('/console/security/passkeys/options', {}, csrf).then(function (o) {
        o.challenge = b64uToBuf(o.challenge); o.user.id = b64uToBuf(o.user.id); o.excludeCredentials = creds(o.excludeCredentials);
        return navigator.credentials.create({ publicKey: o });
      }).then(function (c) {
        return postJson('/console/security/passkeys', { name: name, response: { id: c.id, rawId: bufToB64u(c.rawId), type: c.type,
          clientExtensionResults: c.getClientExtensionResults(), authenticatorAttachment: c.authenticatorAttachment || undefined,
          response: { clientDataJSON: bufToB64u(c.response.clientDataJSON), attestationObject: bufToB64u(c.response.attestationObject),
            transports: c.response.getTransports ? c.response.getTransports() : [] } } }, csrf);
      }).then(function () { window.location.reload(); }, function (e) { say(register, 'The passkey was not added: ' + e.message); });
    });
  }

  var signIn = document.getElementById('passkey-sign-in');
  if (signIn && window.PublicKeyCredential) {
    signIn.hidden = false;
    signIn.addEventListener('click', function () {
      var csrf = signIn.getAttribute('data-csrf');
      postJson('/console/mfa/passkey/options', {}, csrf).then(function (o) {
        o.challenge = b64uToBuf(o.challenge); o.allowCredentials = creds(o.allowCredentials);
        return navigator.credentials.get({ publicKey: o });
      }).then(function (c) {
        return postJson('/console/mfa/passkey', { response: { id: c.id, rawId: bufToB64u(c.rawId), type: c.type,
          clientExtensionResults: c.getClientExtensionResults(), authenticatorAttachment: c.authenticatorAttachment || undefined,
          response: { clientDataJSON: bufToB64u(c.response.clientDataJSON), authenticatorData: bufToB64u(c.response.authenticatorData),
            signature: bufToB64u(c.response.signature), userHandle: c.response.userHandle ? bufToB64u(c.response.userHandle) : undefined } } }, csrf);
      }).then(function (r) { window.location.assign(r.next); }, function (e) { say(signIn, 'Passkey sign-in failed: ' + e.message); });
    });
  }
})();
`;
