// The search page's few behaviours; everything works without them.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var q = document.getElementById("q");
  if (form && q) {
    var grow = function () {  // the box grows with a pasted paragraph (up to a limit)
      q.style.height = "auto";
      q.style.height = Math.min(q.scrollHeight + 2, 200) + "px";
    };
    q.addEventListener("input", grow);
    grow();
    q.addEventListener("keydown", function (e) {  // Enter searches, Shift+Enter starts a new line
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        if (q.value.trim()) form.submit();
      }
    });
    form.addEventListener("submit", function (e) {
      if (!q.value.trim()) { e.preventDefault(); q.focus(); }
    });
    // changing the mode re-runs the current search
    Array.prototype.forEach.call(form.querySelectorAll("input[name=mode]"), function (radio) {
      radio.addEventListener("change", function () {
        if (q.value.trim() || form.querySelector("input[name=similar]")) form.submit();
      });
    });
  }
  // anchor jumps land below the sticky header, whatever its height on this screen
  var header = document.querySelector("header.top");
  if (header) {
    var measure = function () {
      document.documentElement.style.setProperty("--header-h", header.offsetHeight + "px");
    };
    measure();
    window.addEventListener("resize", measure);
    if (location.hash.length > 1) {
      var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (target) target.scrollIntoView();
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("a[data-back]"), function (a) {
    a.addEventListener("click", function (e) {
      if (document.referrer && document.referrer.indexOf(location.origin + "/") === 0 && history.length > 1) {
        e.preventDefault();
        history.back();
      }
    });
  });
})();
