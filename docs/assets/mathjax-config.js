// MathJax 3, served from this site (assets/vendor/mathjax, vendored by the build).
// Only maths written for it is typeset: the pages' \( \) and \[ \] (arithmatex) and the
// lessons' markdown cells with $ and $$, never code or program output.
(function () {
  let started;
  const ready = new Promise((resolve) => { started = resolve; });
  // The Jupyter widget renderer typesets a widget's label with MathJax 2's call,
  // MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); this passes it on to MathJax 3.
  const hub = {
    Queue(command) {
      ready.then(() => window.MathJax.typesetPromise([command[2]]));
    },
  };
  window.MathJax = {
    tex: {
      inlineMath: [["\\(", "\\)"], ["$", "$"]],
      displayMath: [["\\[", "\\]"], ["$$", "$$"]],
      processEscapes: true,
      processEnvironments: true,
    },
    // Any element with a class is skipped, unless its class is one of processHtmlClass; inside
    // those, elements without a class (a lesson's <p>, <li>, <td>) are typeset too.
    options: {
      ignoreHtmlClass: ".+",
      processHtmlClass: "arithmatex|jp-RenderedMarkdown",
    },
    Hub: hub,
    startup: {
      ready() {
        window.MathJax.startup.defaultReady();
        window.MathJax.Hub = hub;
        window.MathJax.startup.promise.then(started);
      },
    },
  };
})();
