// The counter display: show a new code as soon as the one on screen is used or expires.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh).
(function () {
  var display = document.getElementById("counter-display");
  var statusUrl = display.dataset.statusUrl;
  var pollMs = Number(display.dataset.pollSeconds) * 1000;
  var started = Date.now();
  function check() {
    // after ten minutes reload anyway: a fresh CSRF token for the buttons above
    if (Date.now() - started > 600000) { location.reload(); return; }
    fetch(statusUrl, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return (r.ok && !r.redirected) ? r.json() : {current: false}; })
      .then(function (s) { if (!s.current) { location.reload(); } else { setTimeout(check, pollMs); } })
      .catch(function () { setTimeout(check, pollMs); });
  }
  setTimeout(check, pollMs);
})();
