/* Participant pages: enhancements only, everything works without this file. */
(function () {
  "use strict";
  // GOV.UK pattern: the error summary takes focus so it is read out and seen first.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }
  // A second click while the first submission travels would only repeat it (the server would
  // ignore it anyway): let the first one go.
  var forms = document.querySelectorAll("form.js-once");
  for (var i = 0; i < forms.length; i++) {
    forms[i].addEventListener("submit", function (event) {
      if (this.getAttribute("data-submitting")) { event.preventDefault(); return; }
      this.setAttribute("data-submitting", "1");
    });
  }
  // Phones keep pages in the back/forward cache. A page shown again from it starts afresh: its
  // forms may be submitted again, and a page of a questionnaire asks the server again (after
  // Send that is the thank-you page, so Back shows no answers to the next person).
  window.addEventListener("pageshow", function (event) {
    for (var j = 0; j < forms.length; j++) { forms[j].removeAttribute("data-submitting"); }
    if (event.persisted && document.querySelector("[data-draft]")) {
      document.documentElement.style.visibility = "hidden";  // not even a glimpse of the answers
      window.location.reload();
    }
  });
  // The error summary links jump to the field and focus it (not just scroll).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({block: "center"}); }
  });
})();
