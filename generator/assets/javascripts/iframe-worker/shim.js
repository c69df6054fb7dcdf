/* After iframe-worker 1.0.4 (npm package iframe-worker, shim/index.js), MIT licence, (c) 2020-2022 Martin Donath.
 * Lets the offline bundle run its search worker from file://, where browsers refuse real workers. Material's
 * offline plugin would load the original from unpkg.com; cimis ships this copy so that the bundle makes no
 * request to another host. Changed by cimis: the original wrote an inline <script> into the worker's frame,
 * whose text holds the bundle's absolute file path, so no hash computed at build time could allow it under
 * the pages' Content-Security-Policy. Here the frame's worker globals (postMessage, importScripts) are set from
 * the page and the worker script is added as an element: the frame runs no inline script at all. */
"use strict";
(function () {
  class IFrameWorker extends EventTarget {
    constructor(url) {
      super();
      this.url = url;
      const frame = document.createElement("iframe");
      frame.hidden = true;
      document.body.appendChild(this.iframe = frame);
      const scope = frame.contentWindow;
      const load = function (src) {
        return new Promise(function (resolve, reject) {
          const script = scope.document.createElement("script");
          script.src = src;
          script.onload = resolve;
          script.onerror = reject;
          scope.document.body.appendChild(script);
        });
      };
      scope.postMessage = (data) => {
        const event = new MessageEvent("message", { data: structuredClone(data) });
        this.dispatchEvent(event);
        if (this.onmessage) this.onmessage(event);
      };
      scope.importScripts = function (...urls) {
        return urls.reduce(function (done, src) { return done.then(function () { return load(src); }); },
                           Promise.resolve());
      };
      scope.addEventListener("error", (event) => {
        const error = new ErrorEvent("error", { message: event.message, filename: event.filename,
                                                lineno: event.lineno, colno: event.colno, error: event.error });
        this.dispatchEvent(error);
        if (this.onerror) this.onerror(error);
      });
      this.ready = load(url);
    }

    terminate() {
      this.iframe.remove();
    }

    postMessage(data) {
      this.ready.catch(function () {}).then(() => {
        this.iframe.contentWindow.dispatchEvent(new MessageEvent("message", { data: structuredClone(data) }));
      });
    }
  }
  window.IFrameWorker = IFrameWorker;
  if (location.protocol === "file:") window.Worker = IFrameWorker;
})();
