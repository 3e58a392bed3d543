// Shows the "scroll sideways" cue of a table or chart region (data-scroll-cue = the cue's id)
// only while the region is wider than the screen, e.g. on a 390 px phone. Without script the
// regions still scroll and their edge shadows (scroll.css) show there is more.
(function () {
  "use strict";
  function update() {
    var regions = document.querySelectorAll("[data-scroll-cue]");
    for (var i = 0; i < regions.length; i++) {
      var cue = document.getElementById(regions[i].getAttribute("data-scroll-cue"));
      if (cue) { cue.hidden = regions[i].scrollWidth <= regions[i].clientWidth + 1; }
    }
  }
  document.addEventListener("DOMContentLoaded", update);
  window.addEventListener("load", update);  // the charts have their width once loaded
  window.addEventListener("resize", update);
}());
