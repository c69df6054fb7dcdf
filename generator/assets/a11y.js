/* cimis: a table wider than the screen scrolls sideways inside Material's wrapper; a keyboard can scroll it
 * only when the wrapper takes focus (WCAG 2.1.1). Such wrappers get tabindex="0" and a name; wrappers that
 * fit lose them again when the window grows, so they add no needless tab stop. No dependencies. */
(function () {
  "use strict";

  function update() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", "Tabelle, seitlich verschiebbar");
      } else {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }

  // Material wraps the tables when it mounts a page (announced on document$); run after it has done so.
  function later() { window.setTimeout(update, 0); }
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(later);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", later);
  else later();
  window.addEventListener("resize", later);
})();
