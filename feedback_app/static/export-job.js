// The export job page: follow the job's progress until it is done, then show the result.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh).
(function () {
  var box = document.getElementById("export-job");
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var rows = document.getElementById("job-rows");
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) {
        // signed out or the session expired: the page itself explains (login with next)
        if (r.status === 401 || r.status === 403 || r.redirected) { window.location.reload(); throw 0; }
        return r.json();
      })
      .then(function (s) {
        if (s.percent !== null) { bar.value = s.percent; percent.textContent = s.percent + " %"; }
        if (rows && s.total_rows !== null) {
          rows.textContent = s.done_rows.toLocaleString("id-ID") + " / " + s.total_rows.toLocaleString("id-ID");
        }
        if (s.status === "done" || s.status === "failed") { window.location.reload(); return; }
        window.setTimeout(poll, 700);
      })
      .catch(function (e) { if (e !== 0) { window.setTimeout(poll, 2000); } });
  }
  window.setTimeout(poll, 500);
})();
