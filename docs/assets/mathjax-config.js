// MathJax 3, served from this site (assets/vendor/mathjax, vendored by the build).
// Only maths written for it is typeset: the pages' \( \) and \[ \] (arithmatex) and the
// lessons' markdown cells with $ and $$, never code or program output.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex|jp-RenderedMarkdown",
  },
};
